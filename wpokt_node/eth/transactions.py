"""Send EIP-1559 transactions signed by a ``Secp256k1Signer`` (the node's gas key).

The signer may be a raw key, a keystore or KMS: only ``sign_digest`` is used. Sending is split
into ``sign`` (gives the tx hash, so callers can record it first) and ``broadcast``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from wpokt_node.errors import ChainError
from wpokt_node.eth.client import EthClient, ReceiptRecord, RpcError
from wpokt_node.eth.revert import decode_revert
from wpokt_node.keys.signer import Secp256k1Signer, eth_address_of
from wpokt_node.logs import get_logger

log = get_logger(__name__)
_ALREADY_KNOWN = ("already known", "already imported", "known transaction")


class GasCapError(ChainError):
    """The fees a transaction needs are above the configured cap."""


class TransactionRevertedError(ChainError):
    """A transaction (or its simulation) reverted; ``reason`` is the decoded revert reason."""

    def __init__(self, what: str, reason: str, tx_hash: str | None = None) -> None:
        self.reason = reason
        self.tx_hash = tx_hash
        where = f" (tx {tx_hash})" if tx_hash else ""
        super().__init__(f"{what} reverted: {reason}{where}")


@dataclass(frozen=True, slots=True)
class FeePolicy:
    """EIP-1559 fees: ``max_fee = base_fee * multiplier + tip``, optionally capped."""

    base_fee_multiplier: int = 2
    priority_fee_wei: int | None = None  # None: ask the node (eth_maxPriorityFeePerGas)
    max_fee_cap_wei: int | None = None
    bump_percent: int = 25  # a replacement raises both fees by at least this (geth needs 10)


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    tx_hash: str
    raw: bytes
    nonce: int
    sender: str
    to: str | None
    max_fee_per_gas: int


class TransactionSender:
    """Signs and sends transactions from one gas key.

    Nonces come from the chain's pending count; nonces signed here but not yet broadcast are
    skipped, so several transactions can be prepared before any is sent, without gaps.
    """

    def __init__(
        self,
        client: EthClient,
        signer: Secp256k1Signer,
        chain_id: int,
        fees: FeePolicy | None = None,
    ) -> None:
        self.client = client
        self.signer = signer
        self.chain_id = chain_id
        self.fees = fees or FeePolicy()
        self.address = eth_address_of(signer.public_key)
        self._unsent: set[int] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TransactionSender({self.address} via {self.client.endpoint})"

    def base_fee(self) -> int:
        latest = self.client.block("latest")
        return latest.base_fee_per_gas if latest and latest.base_fee_per_gas is not None else 0

    def _market(self) -> tuple[int, int]:
        """What a new transaction offers now: (max fee, tip)."""
        tip = self.fees.priority_fee_wei
        if tip is None:
            tip = int(self.client.request("eth_maxPriorityFeePerGas", []), 16)
        return self.base_fee() * self.fees.base_fee_multiplier + tip, tip

    def _capped(self, max_fee: int) -> None:
        if self.fees.max_fee_cap_wei is not None and max_fee > self.fees.max_fee_cap_wei:
            raise GasCapError(
                f"gas price too high: max fee {max_fee} wei exceeds the cap "
                f"{self.fees.max_fee_cap_wei} wei"
            )

    def _fees(self) -> tuple[int, int]:
        max_fee, tip = self._market()
        self._capped(max_fee)
        return max_fee, tip

    def _allocate_nonce(self) -> int:
        """The chain's pending nonce, skipping nonces signed here but not yet broadcast."""
        pending = int(self.client.request("eth_getTransactionCount", [self.address, "pending"]), 16)
        with self._lock:
            nonce = max([pending, *(n + 1 for n in self._unsent)])
            self._unsent.add(nonce)
            return nonce

    def release(self, signed: SignedTransaction) -> None:
        """Give back the nonce of a signed transaction that will not be broadcast."""
        with self._lock:
            self._unsent.discard(signed.nonce)

    def simulate(self, to: str, data: bytes, gas_limit: int, what: str) -> None:
        """eth_call the transaction first; raise TransactionRevertedError with the reason."""
        call = {"from": self.address, "to": to, "data": "0x" + data.hex(), "gas": hex(gas_limit)}
        try:
            self.client.request("eth_call", [call, "pending"])
        except RpcError as exc:
            if exc.data is not None or "revert" in exc.rpc_message.lower():
                reason = decode_revert(exc.data) if exc.data else exc.rpc_message
                raise TransactionRevertedError(what, reason) from None
            raise

    def replacement(self, raw: bytes) -> SignedTransaction:
        """A replacement of ``raw``, a type-2 transaction this sender signed: the same nonce,
        call and gas; both fees raised by at least ``fees.bump_percent`` and to at least what
        the market asks now, within ``fees.max_fee_cap_wei`` (else ``GasCapError``). Only one
        of the two can ever be mined (one nonce)."""
        old = decode_signed(raw)
        if old.sender != self.address:
            raise ChainError(f"tx {old.tx_hash} was sent by {old.sender}, not by {self.address}")
        market_max, market_tip = self._market()
        tip = max(_bumped(old.tip, self.fees.bump_percent), market_tip)
        max_fee = max(_bumped(old.max_fee_per_gas, self.fees.bump_percent), market_max, tip)
        self._capped(max_fee)
        return self.sign(
            old.to, old.data, old.gas_limit, old.value, nonce=old.nonce, fees=(max_fee, tip)
        )

    def sign(
        self,
        to: str | None,
        data: bytes,
        gas_limit: int,
        value: int = 0,
        *,
        nonce: int | None = None,
        fees: tuple[int, int] | None = None,
    ) -> SignedTransaction:
        max_fee, tip = fees or self._fees()
        tx_nonce = self._allocate_nonce() if nonce is None else nonce
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": tx_nonce,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip,
            "gas": gas_limit,
            "to": str(to_checksum_address(to)) if to else b"",
            "value": value,
            "data": data,
            "accessList": [],
        }
        try:
            digest = TypedTransaction.from_dict(tx).hash()
            signature = self.signer.sign_digest(digest)
            signed = TypedTransaction.from_dict(
                {**tx, "v": signature.recovery_id, "r": signature.r, "s": signature.s}
            )
        except Exception:
            if nonce is None:
                with self._lock:
                    self._unsent.discard(tx_nonce)
            raise
        raw = signed.encode()
        return SignedTransaction(
            tx_hash="0x" + keccak(raw).hex(),
            raw=raw,
            nonce=tx_nonce,
            sender=self.address,
            to=tx["to"] or None,
            max_fee_per_gas=max_fee,
        )

    def broadcast(self, signed: SignedTransaction) -> str:
        """Send the signed bytes; re-sending the same bytes is harmless."""
        try:
            result = self.client.request("eth_sendRawTransaction", ["0x" + signed.raw.hex()])
        except RpcError as exc:
            if any(marker in exc.rpc_message.lower() for marker in _ALREADY_KNOWN):
                return signed.tx_hash
            if "nonce too low" in exc.rpc_message.lower() and self._is_known(signed.tx_hash):
                return signed.tx_hash  # this very transaction was already mined
            raise
        finally:
            self.release(signed)
        if str(result).lower() != signed.tx_hash:
            raise ChainError(f"node returned tx hash {result}, expected {signed.tx_hash}")
        log.info("eth_tx_sent", tx_hash=signed.tx_hash, nonce=signed.nonce, sender=self.address)
        return signed.tx_hash

    def _is_known(self, tx_hash: str) -> bool:
        return self.client.request("eth_getTransactionByHash", [tx_hash]) is not None

    def wait_for_receipt(
        self, tx_hash: str, timeout_s: float = 120.0, poll_s: float = 0.25
    ) -> ReceiptRecord:
        deadline = time.monotonic() + timeout_s
        while True:
            receipt = self.client.receipt(tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() >= deadline:
                raise ChainError(f"no receipt for {tx_hash} after {timeout_s:.0f}s")
            time.sleep(poll_s)

    def revert_reason(self, tx_hash: str) -> str:
        """Replay a mined, reverted transaction at its block to recover the reason."""
        raw = self.client.request("eth_getTransactionByHash", [tx_hash])
        receipt = self.client.receipt(tx_hash)
        if raw is None or receipt is None:
            return "transaction not found"
        call = {"from": raw["from"], "to": raw["to"], "data": raw["input"], "gas": raw["gas"]}
        try:
            self.client.request("eth_call", [call, hex(receipt.block_number)])
        except RpcError as exc:
            return decode_revert(exc.data) if exc.data else exc.rpc_message
        return "reverted (the replay did not revert; state changed within the block)"

    def send(
        self, to: str | None, data: bytes, gas_limit: int, what: str, timeout_s: float = 120.0
    ) -> ReceiptRecord:
        """Sign, broadcast and wait; raise TransactionRevertedError if it reverted."""
        signed = self.sign(to, data, gas_limit)
        self.broadcast(signed)
        return self.check_receipt(self.wait_for_receipt(signed.tx_hash, timeout_s), what)

    def check_receipt(self, receipt: ReceiptRecord, what: str) -> ReceiptRecord:
        if receipt.status != 1:
            reason = self.revert_reason(receipt.transaction_hash)
            raise TransactionRevertedError(what, reason, receipt.transaction_hash)
        return receipt


@dataclass(frozen=True, slots=True)
class DecodedTransaction:
    tx_hash: str
    sender: str
    nonce: int
    to: str | None
    data: bytes
    value: int
    gas_limit: int
    max_fee_per_gas: int
    tip: int


def decode_signed(raw: bytes) -> DecodedTransaction:
    """The fields and the sender of a signed type-2 transaction."""
    try:
        fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = str(Account.recover_transaction(raw))
    except Exception as exc:
        raise ChainError(f"not a signed EIP-1559 transaction: {type(exc).__name__}") from None
    if fields.get("type") != 2:
        raise ChainError("not an EIP-1559 (type 2) transaction")
    to = fields.get("to")
    return DecodedTransaction(
        tx_hash="0x" + keccak(raw).hex(),
        sender=sender,
        nonce=int(fields["nonce"]),
        to=str(to_checksum_address(to)) if to else None,
        data=bytes(fields.get("data", b"")),
        value=int(fields.get("value", 0)),
        gas_limit=int(fields["gas"]),
        max_fee_per_gas=int(fields["maxFeePerGas"]),
        tip=int(fields["maxPriorityFeePerGas"]),
    )


def _bumped(fee: int, percent: int) -> int:
    """``fee`` raised by ``percent``, rounded up (integers only)."""
    return -(-fee * (100 + percent) // 100)
