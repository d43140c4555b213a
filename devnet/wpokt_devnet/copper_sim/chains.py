"""Paying out one fully signed sign request on a chain, from the Copper vault's keys.

"Copper automatically broadcasts transactions to the network after fully signing" (Copper
docs, "Create order", ``externalBroadcast: false``). What is broadcast is only what was
signed: the ``extra.transactionRequest`` fields (assumption, docs/copper.md). POKT ``send``
is a MsgSend with the request's memo from the vault's Pocket address, the vault paying the
network fee on top (assumption, docs/copper.md); ETH ``smart-call`` is a call with value 0
and the request's payload as data.

Failures, in order:
- before anything is sent (reading the account or nonce): retried for ``retry_s``, then the
  order goes to ``error`` (nothing was sent);
- the chain refuses the signed tx (a non-zero check code, a JSON-RPC error): ``error``;
- anything after the tx may have been sent (a lost broadcast answer, the chain unreachable
  while waiting): the order stays ``processing`` and the same signed bytes are re-broadcast
  until they are included, so a payout is never signed twice;
- included and failed (a non-zero code, a reverted call): ``error``.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from eth_utils.address import is_hex_address

from wpokt_devnet.copper_sim.config import EthereumTarget, PocketTarget
from wpokt_devnet.copper_sim.validation import DECIMALS, ETH, POKT, parse_units
from wpokt_devnet.pokt_wallet import DevnetWallet, TxOutcome, build_signed_send
from wpokt_node.addresses import is_pokt_address
from wpokt_node.errors import ChainError
from wpokt_node.eth.client import EthClient, ReceiptRecord, RetryPolicy, RpcError
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner

T = TypeVar("T")
POLL_S = 0.1
REBROADCAST_EVERY_S = 2.0
QUICK_RETRY = RetryPolicy(attempts=2, initial_wait_s=0.1, max_wait_s=0.5)


class PayoutFailedError(Exception):
    """The payout failed for good; ``reason`` becomes the order's ``errorDescription``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BroadcastStoppedError(Exception):
    """The simulator is stopping: the order stays in the status it has."""


class Payer(Protocol):
    def pay(self, request: dict[str, Any], on_sent: Callable[[str], None]) -> None:
        """Broadcast ``request`` and wait for its inclusion; ``on_sent(tx hash)`` before the
        wait. Returns once executed; raises PayoutFailedError or BroadcastStoppedError."""
        ...


class _Loop:
    """Retry and polling loops that end when the simulator stops."""

    def __init__(self, stopping: threading.Event, retry_s: float) -> None:
        self.stopping = stopping
        self.retry_s = retry_s

    def before_send(self, what: str, call: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_s
        while True:
            try:
                return call()
            except ChainError as exc:
                if time.monotonic() >= deadline:
                    raise PayoutFailedError(f"{what} failed: {exc}") from None
            if self.stopping.wait(POLL_S * 2):
                raise BroadcastStoppedError

    def until_included(self, wait: Callable[[], T], resend: Callable[[], object]) -> T:
        """``wait()`` (which raises ChainError if not included yet) until it answers;
        re-broadcasts between tries, ignoring whatever the chain says to the resend."""
        while not self.stopping.is_set():
            try:
                return wait()
            except ChainError:
                pass
            with contextlib.suppress(ChainError):
                resend()
            if self.stopping.wait(POLL_S):
                break
        raise BroadcastStoppedError


class PocketPayer:
    def __init__(self, target: PocketTarget, stopping: threading.Event, retry_s: float) -> None:
        self.target = target
        self.signer = LocalKeySigner.from_hex(target.vault_key_hex)
        self.wallet = DevnetWallet(self.signer, target.rest_url, chain_id=target.chain_id)
        self.loop = _Loop(stopping, retry_s)

    @property
    def address(self) -> str:
        return self.wallet.address

    def pay(self, request: dict[str, Any], on_sent: Callable[[str], None]) -> None:
        to_address, amount, memo = _send_fields(request)
        number, sequence = self.loop.before_send("reading the vault account", self.wallet.account)
        tx_bytes = build_signed_send(
            self.signer,
            to_address=to_address,
            amount=amount,
            chain_id=self.target.chain_id,
            account_number=number,
            sequence=sequence,
            memo=memo,
            fee=self.target.fee_upokt,
            gas=self.target.gas,
            denom=self.target.denom,
        )
        txhash = hashlib.sha256(tx_bytes).hexdigest().upper()
        try:
            result = self.wallet.broadcast(tx_bytes)
            if int(result["code"]) != 0 and not self._included(txhash):
                raise PayoutFailedError(
                    f"broadcast refused with code {result['code']} "
                    f"({result.get('codespace', '')}): {result.get('raw_log', '')}"
                )
        except ChainError:
            pass  # the answer is lost: it may have been accepted; the loop below re-sends
        on_sent(txhash)
        outcome: TxOutcome = self.loop.until_included(
            lambda: self.wallet.wait_for_tx(txhash, REBROADCAST_EVERY_S),
            lambda: self.wallet.broadcast(tx_bytes),
        )
        if outcome.code != 0:
            raise PayoutFailedError(
                f"tx {txhash} failed with code {outcome.code}: {outcome.raw_log}"
            )

    def _included(self, txhash: str) -> bool:
        try:
            self.wallet.wait_for_tx(txhash, timeout_s=0)
        except ChainError:
            return False
        return True


def _send_fields(request: dict[str, Any]) -> tuple[str, int, str]:
    to_address, amount, memo = request.get("toAddress"), request.get("amount"), request.get("memo")
    if not is_pokt_address(to_address):
        raise PayoutFailedError(f"toAddress {str(to_address)[:80]!r} is not a Pocket address")
    try:
        units = parse_units(str(amount), DECIMALS[POKT])
    except ValueError as exc:
        raise PayoutFailedError(f"amount not representable in upokt: {exc}") from None
    if units <= 0:
        raise PayoutFailedError(f"amount not representable in upokt: {amount!r} is not positive")
    if memo is not None and not isinstance(memo, str):
        raise PayoutFailedError("memo is not a string")
    return str(to_address), units, memo or ""


class EthereumPayer:
    def __init__(self, target: EthereumTarget, stopping: threading.Event, retry_s: float) -> None:
        self.target = target
        self.client = EthClient(target.rpc_url, timeout_s=5.0, retry=QUICK_RETRY)
        self.sender = TransactionSender(
            self.client, LocalKeySigner.from_hex(target.vault_key_hex), target.chain_id
        )
        self.loop = _Loop(stopping, retry_s)

    @property
    def address(self) -> str:
        return self.sender.address

    def pay(self, request: dict[str, Any], on_sent: Callable[[str], None]) -> None:
        to, data = _call_fields(request)
        signed = self.loop.before_send(
            "preparing the transaction", lambda: self.sender.sign(to, data, self.target.gas_limit)
        )
        try:
            self.sender.broadcast(signed)
        except RpcError as exc:
            raise PayoutFailedError(f"broadcast refused: {exc.rpc_message}") from None
        except ChainError:
            pass  # unreachable: it may have been sent; the loop below re-sends the same bytes
        on_sent(signed.tx_hash)
        receipt: ReceiptRecord = self.loop.until_included(
            lambda: self.sender.wait_for_receipt(signed.tx_hash, REBROADCAST_EVERY_S, POLL_S),
            lambda: self.sender.broadcast(signed),
        )
        if receipt.status != 1:
            raise PayoutFailedError(f"reverted: {self._reason(signed.tx_hash)}")

    def _reason(self, tx_hash: str) -> str:
        try:
            return self.sender.revert_reason(tx_hash)
        except ChainError:
            return "reason unknown"


def _call_fields(request: dict[str, Any]) -> tuple[str, bytes]:
    to, payload, amount = request.get("toAddress"), request.get("payload"), request.get("amount")
    if not isinstance(to, str) or not is_hex_address(to):
        raise PayoutFailedError(f"toAddress {str(to)[:80]!r} is not an Ethereum address")
    try:
        value = parse_units(str(amount), DECIMALS[ETH])
        data = bytes.fromhex(str(payload).removeprefix("0x"))
    except ValueError as exc:
        raise PayoutFailedError(f"amount or payload not representable: {exc}") from None
    if value != 0 or not str(payload).startswith("0x"):
        raise PayoutFailedError("a smart call carries amount 0 and a 0x payload")
    return to, data
