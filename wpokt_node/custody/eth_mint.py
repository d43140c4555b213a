"""The multisig custody back end for mints: EIP-712 MintData signed by the validators, executed
as ``MintController.mintWrappedPocket`` with the node's gas key.

The order stored at ``started`` is ``{recipient, amount (str), nonce, chain_id, controller}``.
Every node rebuilds it from the deposit tx on *its own* Pocket RPC and its own config; only the
nonce comes from the entry, and it must still be able to execute (above the chain's nonce).
A nonce is allocated once per entry (lease + ``reservations``) and never reassigned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from eth_utils.address import is_hex_address, to_checksum_address
from eth_utils.crypto import keccak
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.amounts import amount_from_db, amount_to_db
from wpokt_node.config import Settings
from wpokt_node.custody.base import (
    Entry,
    Outcome,
    OutcomeKind,
    Prepared,
    RebuildMismatchError,
    RecordExecution,
    SignatureRecord,
)
from wpokt_node.db import leases
from wpokt_node.db.query import eq
from wpokt_node.db.schema import MINTS, RESERVATIONS, Status
from wpokt_node.errors import DatabaseError, NotReadyError, SigningError, ValidationError
from wpokt_node.eth.client import EthClient, RpcError
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.contracts import ControllerContract, TokenContract
from wpokt_node.eth.eip712 import MintData, mint_data_digest, recover_mint_signer, sign_mint_data
from wpokt_node.eth.events import MINTED_TOPIC, MintedEvent, decode_minted
from wpokt_node.eth.log_scan import BlockRange
from wpokt_node.eth.mint import MintSubmitter, find_minted_event
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import Secp256k1Signer, eth_address_of
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import deposit_rules
from wpokt_node.pokt.deposits import Classification, classify_deposit
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash

log = get_logger(__name__)

Document = dict[str, Any]
NONCE_KIND = "mint-nonce"
ORDER_KEYS = frozenset({"recipient", "amount", "nonce", "chain_id", "controller"})
_MAX_RESERVE_ATTEMPTS = 1000
_ALREADY_SENT = ("already known", "already imported", "known transaction", "nonce too low")


def nonce_lease(recipient: str) -> str:
    return f"{NONCE_KIND}:{recipient}"


def nonce_reservation_id(recipient: str, nonce: int) -> str:
    return f"{NONCE_KIND}:{recipient}:{nonce}"


def _checksum(value: object, what: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise ValidationError(f"{what} is not an Ethereum address: {str(value)[:60]!r}")
    return str(to_checksum_address(value))


@dataclass(frozen=True, slots=True)
class CheckedDeposit:
    """A deposit this node read from its own Pocket RPC and found to be a valid mint."""

    classification: Classification
    latest_height: int

    @property
    def confirmations(self) -> int:
        height = self.classification.height or 0
        return max(0, self.latest_height - height + 1)


class EthMintCustody:
    """``custody.base.Custody`` for mints (multisig back end)."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        eth: EthClient,
        token: TokenContract,
        controller: ControllerContract,
        eth_signer: Secp256k1Signer,
        gas_sender: TransactionSender,
    ) -> None:
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.eth = eth
        self.token = token
        self.controller = controller
        self.eth_signer = eth_signer
        self.sender = gas_sender
        self.submitter = MintSubmitter(
            controller, token, gas_sender, settings.ethereum.gas_limit_mint
        )
        self.rules = deposit_rules(settings)
        self.chain_id = settings.ethereum.chain_id
        self.controller_address = _checksum(controller.address, "mint controller")
        self.signer_address = eth_address_of(eth_signer.public_key)
        self.validators = frozenset(settings.ethereum.validator_addresses)
        self.confirmation = ConfirmationPolicy.from_setting(settings.ethereum.confirmations)

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    # -- the source event and the deposit ------------------------------------------------------

    def source_event(self, entry: Entry) -> str:
        return "pokt:" + normalize_pokt_tx_hash(str(entry.get("transaction_hash", "")))

    def fetch_deposit(self, entry: Entry) -> CheckedDeposit | None:
        """The entry's deposit as this node's Pocket RPC and rules see it; None if the RPC does
        not know the tx. Raises RebuildMismatchError if it is not exactly this valid mint."""
        try:
            tx_hash = normalize_pokt_tx_hash(str(entry.get("transaction_hash", "")))
        except ValidationError as exc:
            raise RebuildMismatchError(str(exc)) from None
        latest = self.pokt.latest_height()
        response = self.pokt.tx(tx_hash)
        if response is None:
            return None
        verdict = classify_deposit(response, self.rules)
        if not verdict.is_mint:
            raise RebuildMismatchError(
                f"deposit {tx_hash} does not classify as a valid mint "
                f"({verdict.kind.value}: {verdict.reason})"
            )
        stored_amount = entry.get("amount")
        for field, stored, seen in (
            ("transaction_hash", entry.get("transaction_hash"), verdict.tx_hash),
            ("from_address", entry.get("from_address"), verdict.sender),
            ("to_address", entry.get("to_address"), verdict.recipient),
            ("amount", stored_amount, amount_to_db(verdict.amount)),
        ):
            if stored != seen:
                raise RebuildMismatchError(
                    f"{field} differs from the deposit on chain: stored {str(stored)[:80]!r}, "
                    f"chain {seen!r}"
                )
        return CheckedDeposit(verdict, latest)

    # -- prepare: allocate the nonce -----------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        recipient = _checksum(entry.get("to_address"), "recipient")
        amount = amount_from_db(entry.get("amount"))
        if amount <= 0:
            raise ValidationError("a mint needs a positive amount")
        lease = nonce_lease(recipient)
        ttl = self.settings.workers.lease_ttl_s
        if not leases.acquire(self.db, lease, self.node_id, ttl):
            raise NotReadyError(f"lease {lease} is held by another node; try again later")
        try:
            nonce = self._reserve_nonce(entry["_id"], recipient)
        finally:
            leases.release(self.db, lease, self.node_id)
        return Prepared(self.order(recipient, amount, nonce), nonce)

    def _reserve_nonce(self, entry_id: ObjectId, recipient: str) -> int:
        reservations = self.db[RESERVATIONS]
        try:
            mine = reservations.find_one(
                {"entry_id": eq(entry_id), "kind": NONCE_KIND, "scope": recipient}
            )
        except PyMongoError as exc:
            raise DatabaseError(f"reservations: read failed: {exc}") from None
        if mine is not None:  # reserved before a crash: the same entry keeps the same nonce
            return int(mine["number"])
        nonce = max(self.token.get_user_nonce(recipient), self._highest_open_nonce(recipient)) + 1
        for _ in range(_MAX_RESERVE_ATTEMPTS):
            reservation_id = nonce_reservation_id(recipient, nonce)
            try:
                reservations.insert_one(
                    {
                        "_id": reservation_id,
                        "kind": NONCE_KIND,
                        "scope": recipient,
                        "number": nonce,
                        "collection": MINTS,
                        "entry_id": entry_id,
                    }
                )
                return nonce
            except DuplicateKeyError:
                holder = reservations.find_one({"_id": reservation_id})
                if holder is not None and holder.get("entry_id") == entry_id:
                    return nonce
                nonce += 1
            except PyMongoError as exc:
                raise DatabaseError(f"reservations: insert failed: {exc}") from None
        raise NotReadyError(f"no free mint nonce for {recipient} after {_MAX_RESERVE_ATTEMPTS}")

    def _highest_open_nonce(self, recipient: str) -> int:
        try:
            found = self.db[MINTS].find(
                {
                    "to_address": recipient,
                    "status": {"$in": [Status.STARTED.value, Status.SIGNED.value]},
                },
                projection={"nonce": 1},
            )
            nonces = [n for n in (doc.get("nonce") for doc in found) if isinstance(n, int)]
        except PyMongoError as exc:
            raise DatabaseError(f"mints: read failed: {exc}") from None
        return max(nonces, default=0)

    def order(self, recipient: str, amount: int, nonce: int) -> dict[str, Any]:
        return {
            "recipient": _checksum(recipient, "recipient"),
            "amount": amount_to_db(amount),
            "nonce": nonce,
            "chain_id": self.chain_id,
            "controller": self.controller_address,
        }

    # -- rebuild: the signing rule's independent view ------------------------------------------

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        checked = self.fetch_deposit(entry)
        if checked is None:
            raise RebuildMismatchError(
                f"deposit {entry.get('transaction_hash')} is not on this node's Pocket RPC"
            )
        required = self.settings.pocket.confirmations
        if checked.confirmations < required:
            raise NotReadyError(
                f"deposit has {checked.confirmations} of {required} confirmations on this node"
            )
        verdict = checked.classification
        assert verdict.recipient is not None
        nonce = entry.get("nonce")
        if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 1:
            raise RebuildMismatchError(f"stored nonce {nonce!r} is not a positive integer")
        order = self.order(verdict.recipient, verdict.amount, nonce)
        self._check_reservation(entry, verdict.recipient, nonce)
        chain_nonce = self.token.get_user_nonce(verdict.recipient)
        if nonce <= chain_nonce and self._minted_event(self.mint_data(order)) is None:
            raise RebuildMismatchError(
                f"nonce {nonce} is not above the chain's nonce {chain_nonce} for "
                f"{verdict.recipient}, and it was not used by this mint"
            )
        return order

    def _check_reservation(self, entry: Entry, recipient: str, nonce: int) -> None:
        """The nonce must be the one allocated to this entry (an edited nonce is not)."""
        try:
            reservation = self.db[RESERVATIONS].find_one(
                {"_id": nonce_reservation_id(recipient, nonce)}
            )
        except PyMongoError as exc:
            raise DatabaseError(f"reservations: read failed: {exc}") from None
        if reservation is None or reservation.get("entry_id") != entry.get("_id"):
            raise RebuildMismatchError(
                f"nonce {nonce} of {recipient} is not the nonce allocated to this entry"
            )

    # -- payload, signatures -------------------------------------------------------------------

    def mint_data(self, order: Mapping[str, Any]) -> MintData:
        """The MintData of an order whose domain is this node's; raises ValidationError."""
        if set(order) != ORDER_KEYS:
            raise ValidationError(f"a mint order has exactly the keys {sorted(ORDER_KEYS)}")
        if order["chain_id"] != self.chain_id or order["controller"] != self.controller_address:
            raise ValidationError("the order's chain id or controller is not this node's")
        nonce = order["nonce"]
        if isinstance(nonce, bool) or not isinstance(nonce, int):
            raise ValidationError("the order's nonce is not an integer")
        return MintData(
            _checksum(order["recipient"], "recipient"), amount_from_db(order["amount"]), nonce
        )

    def digest(self, order: Mapping[str, Any]) -> bytes:
        data = self.mint_data(order)
        return mint_data_digest(
            self.chain_id, self.controller_address, data.recipient, data.amount, data.nonce
        )

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return "0x" + self.digest(order).hex()

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        data = self.mint_data(order)
        signature = sign_mint_data(
            self.eth_signer,
            self.chain_id,
            self.controller_address,
            data.recipient,
            data.amount,
            data.nonce,
        )
        return SignatureRecord(self.node_id, self.signer_address, "0x" + signature.hex())

    def valid_signatures(
        self, order: Mapping[str, Any], records: Sequence[SignatureRecord]
    ) -> list[SignatureRecord]:
        """Validator signatures over this node's digest of ``order``, one per signer, sorted by
        signer address ascending (the contract's order)."""
        try:
            digest = self.digest(order)
        except (ValidationError, SigningError):
            return []
        by_signer: dict[str, SignatureRecord] = {}
        for record in records:
            try:
                signature = bytes.fromhex(record.signature.removeprefix("0x"))
                signer = recover_mint_signer(digest, signature)
                recorded = _checksum(record.signer, "recorded signer")
            except (ValueError, SigningError, ValidationError):
                continue
            if signer != recorded or signer not in self.validators or signer in by_signer:
                continue
            by_signer[signer] = SignatureRecord(record.node_id, signer, record.signature)
        return [by_signer[s] for s in sorted(by_signer, key=lambda a: int(a, 16))]

    # -- execution -----------------------------------------------------------------------------

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        threshold = self.settings.cluster.threshold
        valid = self.valid_signatures(order, signatures)
        if len(valid) < threshold:
            raise NotReadyError(f"{len(valid)} valid signatures, threshold is {threshold}")
        chosen = [bytes.fromhex(s.signature.removeprefix("0x")) for s in valid[:threshold]]
        signed = self.submitter.prepare(self.mint_data(order), chosen)
        recorded = record(
            signed.tx_hash,
            {
                "execution_tx_raw": "0x" + signed.raw.hex(),
                "execution_tx_sender": signed.sender,
                "execution_tx_nonce": signed.nonce,
            },
        )
        if not recorded:
            self.sender.release(signed)
            log.info("mint execution not recorded; not broadcasting", entry_id=str(entry["_id"]))
            return None
        self.sender.broadcast(signed)
        log.info("mint broadcast", entry_id=str(entry["_id"]), tx_hash=signed.tx_hash)
        return signed.tx_hash

    def rebroadcast(self, entry: Entry) -> str:
        """Send the recorded raw execution tx again (the same bytes, so the same hash)."""
        tx_hash = str(entry.get("execution_tx_hash") or "")
        raw_hex = str(entry.get("execution_tx_raw") or "")
        try:
            raw = bytes.fromhex(raw_hex.removeprefix("0x"))
        except ValueError:
            raise ValidationError("execution_tx_raw is not hex") from None
        if not raw or "0x" + keccak(raw).hex() != tx_hash.lower():
            raise ValidationError("execution_tx_raw does not hash to execution_tx_hash")
        try:
            self.eth.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        except RpcError as exc:
            if not any(marker in exc.rpc_message.lower() for marker in _ALREADY_SENT):
                raise
        log.info("mint rebroadcast", entry_id=str(entry.get("_id")), tx_hash=tx_hash)
        return tx_hash

    def chain_nonce(self, order: Mapping[str, Any]) -> int:
        return self.token.get_user_nonce(self.mint_data(order).recipient)

    # -- outcome -------------------------------------------------------------------------------

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        data = self.mint_data(order)
        tx_hash = entry.get("execution_tx_hash")
        tx_hash = str(tx_hash).lower() if tx_hash else None
        receipt = self.eth.receipt(tx_hash) if tx_hash else None
        if receipt is not None and receipt.status == 1:
            for log_record in receipt.logs:
                if (
                    log_record.address == self.token.address
                    and log_record.topics
                    and log_record.topics[0] == MINTED_TOPIC
                ):
                    event = decode_minted(log_record)
                    if self._matches(event, data):
                        return self._executed(event)
        chain_nonce = self.token.get_user_nonce(data.recipient)
        extra: dict[str, Any] = {"chain_nonce": chain_nonce}
        if chain_nonce >= data.nonce:
            found = self._minted_event(data)
            if found is not None and self._matches(found, data):
                return self._executed(found)
            detail = (
                f"nonce {data.nonce} of {data.recipient} was used on chain by a different mint"
                if found is not None
                else f"the chain's nonce for {data.recipient} is {chain_nonce} but no Minted "
                f"event of nonce {data.nonce} was found"
            )
            log.error("mint nonce consumed elsewhere", alert=True, detail=detail)
            return Outcome(OutcomeKind.FAILED, tx_hash, detail, extra)
        if tx_hash is None:
            return Outcome(OutcomeKind.NOT_SUBMITTED, None, "nothing submitted", extra)
        if receipt is not None:
            return Outcome(OutcomeKind.NOT_SUBMITTED, tx_hash, "execution tx reverted", extra)
        if self._gas_nonce_used(entry, tx_hash):
            return Outcome(
                OutcomeKind.NOT_SUBMITTED,
                tx_hash,
                "execution tx can never land: its gas-key nonce was used by another tx",
                extra,
            )
        return Outcome(OutcomeKind.PENDING, tx_hash, "execution tx not mined yet", extra)

    def _matches(self, event: MintedEvent, data: MintData) -> bool:
        return (
            event.recipient == data.recipient
            and event.nonce == data.nonce
            and event.amount == data.amount
        )

    def _executed(self, event: MintedEvent) -> Outcome:
        extra: dict[str, Any] = {"block_number": event.block_number, "mined": True}
        if not self.confirmation.check(self.eth, event.block_number).confirmed:
            return Outcome(
                OutcomeKind.PENDING, event.transaction_hash, "minted, awaiting confirmations", extra
            )
        return Outcome(OutcomeKind.EXECUTED, event.transaction_hash, "Minted event found", extra)

    def _minted_event(self, data: MintData) -> MintedEvent | None:
        head = self.eth.block_number()
        first = min(self.settings.ethereum.start_block, head)
        return find_minted_event(
            self.eth,
            self.token.address,
            data.recipient,
            data.nonce,
            BlockRange(first, head),
            chunk_size=self.settings.ethereum.scan_chunk_size,
        )

    def _gas_nonce_used(self, entry: Entry, tx_hash: str) -> bool:
        sender, tx_nonce = entry.get("execution_tx_sender"), entry.get("execution_tx_nonce")
        if not isinstance(sender, str) or not is_hex_address(sender):
            return False
        if isinstance(tx_nonce, bool) or not isinstance(tx_nonce, int):
            return False
        mined = int(self.eth.request("eth_getTransactionCount", [sender, "latest"]), 16)
        # Re-read the receipt: the tx itself may have been mined since the first look.
        return mined > tx_nonce and self.eth.receipt(tx_hash) is None
