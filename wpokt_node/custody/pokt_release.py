"""Vault releases (burn payouts and refunds): the multisig custody back end on Pocket.

A release is one ``MsgSend`` from the T-of-N vault at one vault sequence. ``prepare`` fixes
that sequence (lease + reservation); ``rebuild`` derives the whole order again from this
node's own RPCs and config, taking only the sequence from the entry; ``execute`` assembles the
deterministic ``TxRaw``, records it, then broadcasts it; ``outcome`` reads the chain: the tx
that consumed the release's sequence (found by its ``tx.acc_seq`` event) tells whether the
release landed (in whatever signature subset) or can never land.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.amounts import amount_from_db
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
from wpokt_node.db.schema import BURNS, REFUNDS, RESERVATIONS, Status
from wpokt_node.errors import ChainError, DatabaseError, NotReadyError, ValidationError, WpoktError
from wpokt_node.eth.burn_check import BurnLogState, ExpectedBurn, check_burn_log
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.keys.signer import Secp256k1Signer, verify_digest
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposits import DepositKind, DepositRules, classify_deposit
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.multisig_tx import assemble_multisig_tx
from wpokt_node.pokt.release_memo import (
    burn_release_memo,
    normalize_pokt_tx_hash,
    refund_release_memo,
)
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc, sign_release
from wpokt_node.pokt.responses import Account, BroadcastResult
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL

log = get_logger(__name__)

Document = dict[str, Any]

AMOUNT_NOT_ABOVE_FEE = "amount_not_above_fee"
SEQUENCE_KIND = "vault-sequence"
MAX_SEQUENCE_AHEAD = 1000  # a stored sequence further ahead of the chain is not plausible
CODE_TX_IN_CACHE = 19  # the same bytes were already accepted


class ReleaseKind(StrEnum):
    BURN = "burn"
    REFUND = "refund"

    @property
    def collection(self) -> str:
        return BURNS if self is ReleaseKind.BURN else REFUNDS


def release_kind(collection: str) -> ReleaseKind:
    if collection == BURNS:
        return ReleaseKind.BURN
    if collection == REFUNDS:
        return ReleaseKind.REFUND
    raise ValidationError(f"{collection!r} holds no vault releases")


@dataclass(frozen=True, slots=True)
class ReleaseConfig:
    """This node's configuration of vault releases (identical across a healthy cluster)."""

    chain_id: str
    multisig: MultisigPubKey
    fee: int
    gas: int
    denom: str
    pokt_confirmations: int
    deposit_rules: DepositRules
    token_address: str
    eth_policy: ConfirmationPolicy

    @property
    def vault(self) -> str:
        return self.multisig.address()

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleaseConfig:
        pocket = settings.pocket
        multisig = MultisigPubKey.from_hex_keys(
            settings.cluster.threshold, pocket.member_public_keys
        )
        if multisig.address() != pocket.vault_address:
            raise ValidationError(
                "pocket.vault_address is not the multisig of pocket.member_public_keys"
            )
        return cls(
            chain_id=pocket.chain_id,
            multisig=multisig,
            fee=pocket.fee_upokt,
            gas=pocket.gas_limit,
            denom=pocket.denom,
            pokt_confirmations=pocket.confirmations,
            deposit_rules=DepositRules(
                vault_address=pocket.vault_address,
                eth_chain_id=settings.ethereum.chain_id,
                denom=pocket.denom,
                max_deposit=settings.caps.max_deposit_upokt,
                paused=False,  # the cluster-wide pause does not exist yet
                refund_fee=pocket.fee_upokt,
            ),
            token_address=settings.ethereum.token_address,
            eth_policy=ConfirmationPolicy.from_setting(settings.ethereum.confirmations),
        )


def payout_amount(entry_amount: int, fee: int) -> int | None:
    """What the recipient receives (the vault pays the fee); None if nothing would be left."""
    return entry_amount - fee if entry_amount > fee else None


def order_document(spec: ReleaseSpec) -> dict[str, Any]:
    """The stored ``order``: plain values only, so a MongoDB round trip compares equal."""
    return {
        "chain_id": spec.chain_id,
        "account_number": spec.account_number,
        "sequence": spec.sequence,
        "from": spec.vault_address,
        "to": spec.recipient,
        "amount": str(spec.amount),
        "denom": spec.denom,
        "fee": str(spec.fee_amount),
        "gas": spec.gas_limit,
        "memo": spec.memo,
    }


def spec_from_order(order: Mapping[str, Any]) -> ReleaseSpec:
    """The release an order describes; ValidationError if it is not a well-formed order."""
    try:
        fields = {
            "chain_id": order["chain_id"],
            "account_number": order["account_number"],
            "sequence": order["sequence"],
            "vault_address": order["from"],
            "recipient": order["to"],
            "amount": amount_from_db(order["amount"]),
            "memo": order["memo"],
            "fee_amount": amount_from_db(order["fee"]),
            "gas_limit": order["gas"],
            "denom": order["denom"],
        }
    except (KeyError, TypeError):
        raise ValidationError("release order lacks a field") from None
    for name in ("account_number", "sequence", "gas_limit"):
        if isinstance(fields[name], bool) or not isinstance(fields[name], int):
            raise ValidationError(f"release order: {name} is not an integer")
    for name in ("chain_id", "vault_address", "recipient", "memo", "denom"):
        if not isinstance(fields[name], str):
            raise ValidationError(f"release order: {name} is not text")
    return ReleaseSpec(**fields)


def sign_bytes(order: Mapping[str, Any]) -> bytes:
    return build_release_sign_doc(spec_from_order(order))


def matches_release(tx_response: Mapping[str, Any], spec: ReleaseSpec) -> bool:
    """Whether a committed tx (REST JSON) is this release, whatever signatures it carries.

    The sign doc commits to exactly these fields (chain id and account number are enforced by
    the chain), so a tx that matches them all is this payload.
    """
    tx = tx_response.get("tx")
    body = tx.get("body") if isinstance(tx, dict) else None
    auth = tx.get("auth_info") if isinstance(tx, dict) else None
    if not isinstance(body, dict) or not isinstance(auth, dict):
        return False
    messages = body.get("messages")
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(messages[0], dict):
        return False
    message = messages[0]
    signer_infos = auth.get("signer_infos")
    fee = auth.get("fee")
    if not isinstance(signer_infos, list) or len(signer_infos) != 1 or not isinstance(fee, dict):
        return False
    info = signer_infos[0]
    sequence = str(info.get("sequence")) if isinstance(info, dict) else None
    fee_coins = [{"denom": c.denom, "amount": str(c.amount)} for c in spec.fee_coins]
    return (
        message.get("@type") == MSG_SEND_TYPE_URL
        and message.get("from_address") == spec.vault_address
        and message.get("to_address") == spec.recipient
        and message.get("amount") == [{"denom": spec.denom, "amount": str(spec.amount)}]
        and body.get("memo") == spec.memo
        and sequence == str(spec.sequence)
        and fee.get("amount", []) == fee_coins
        and str(fee.get("gas_limit")) == str(spec.gas_limit)
    )


class VaultReleaseCustody:
    """The ``Custody`` of one release kind (burns or refunds) for one node."""

    def __init__(
        self,
        kind: ReleaseKind,
        *,
        config: ReleaseConfig,
        db: Database[Document],
        pokt: PocketClient,
        eth: EthClient,
        signer: Secp256k1Signer,
        node_id: str,
        lease_ttl_s: float = 30.0,
    ) -> None:
        self.kind = kind
        self.config = config
        self.db = db
        self.pokt = pokt
        self.eth = eth
        self.signer = signer
        self.node_id = node_id
        self.lease_ttl_s = lease_ttl_s
        if config.multisig.index_of(signer.public_key) is None:
            raise ValidationError("this node's Pocket key is not a member of the vault multisig")

    @property
    def collection(self) -> str:
        return self.kind.collection

    @property
    def vault(self) -> str:
        return self.config.vault

    # -- identity -----------------------------------------------------------------------------

    def source_event(self, entry: Entry) -> str:
        tx_hash = entry.get("transaction_hash")
        if not isinstance(tx_hash, str):
            raise ValidationError("entry has no transaction hash")
        if self.kind is ReleaseKind.BURN:
            log_index = entry.get("log_index")
            if isinstance(log_index, bool) or not isinstance(log_index, int) or log_index < 0:
                raise ValidationError("burn entry has no valid log index")
            return f"eth:{tx_hash.strip().lower()}:{log_index}"
        return f"pokt:{normalize_pokt_tx_hash(tx_hash)}"

    def _memo(self, entry: Entry) -> str:
        tx_hash = str(entry.get("transaction_hash", ""))
        if self.kind is ReleaseKind.BURN:
            return burn_release_memo(tx_hash, entry.get("log_index"))  # type: ignore[arg-type]
        return refund_release_memo(tx_hash)

    def _payout(self, entry: Entry) -> int:
        payout = payout_amount(amount_from_db(entry.get("amount")), self.config.fee)
        if payout is None:
            raise ValidationError(AMOUNT_NOT_ABOVE_FEE)
        return payout

    def _vault_account(self) -> Account:
        account = self.pokt.account(self.vault)
        if account is None:
            raise ChainError(f"the vault {self.vault} does not exist on chain (never funded)")
        return account

    def _spec(
        self, account_number: int, sequence: int, recipient: str, payout: int, memo: str
    ) -> ReleaseSpec:
        return ReleaseSpec(
            chain_id=self.config.chain_id,
            account_number=account_number,
            sequence=sequence,
            vault_address=self.vault,
            recipient=recipient,
            amount=payout,
            memo=memo,
            fee_amount=self.config.fee,
            gas_limit=self.config.gas,
            denom=self.config.denom,
        )

    # -- prepare: the vault sequence ----------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        payout = self._payout(entry)
        memo = self._memo(entry)
        recipient = str(entry.get("to_address", ""))
        lease = f"{SEQUENCE_KIND}:{self.vault}"
        if not leases.acquire(self.db, lease, self.node_id, self.lease_ttl_s):
            raise NotReadyError("another node is allocating a vault sequence")
        try:
            current = self.db[self.collection].find_one(
                {"_id": entry["_id"]}, projection={"status": 1}
            )
            if current is None or current.get("status") != Status.CONFIRMED.value:
                raise NotReadyError("the entry is no longer confirmed")
            account = self._vault_account()
            sequence = self._allocate(entry["_id"], account.sequence)
        except PyMongoError as exc:
            raise DatabaseError(f"vault sequence allocation failed: {exc}") from None
        finally:
            leases.release(self.db, lease, self.node_id)
        spec = self._spec(account.account_number, sequence, recipient, payout, memo)
        return Prepared(order=order_document(spec), number=sequence)

    def _allocate(self, entry_id: ObjectId, chain_sequence: int) -> int:
        reservations = self.db[RESERVATIONS]
        mine = reservations.find(
            {"entry_id": eq(entry_id), "kind": SEQUENCE_KIND, "scope": self.vault},
            projection={"number": 1, "collection": 1},
        )
        reused = sorted(
            int(r["number"])
            for r in mine
            if r.get("collection") == self.collection and int(r["number"]) >= chain_sequence
        )
        if reused:  # a crash after reserving, before the entry moved on: same number again
            return reused[0]
        candidate = max(chain_sequence, self._highest_open_sequence() + 1)
        for number in range(candidate, candidate + MAX_SEQUENCE_AHEAD):
            key = f"{SEQUENCE_KIND}:{self.vault}:{number}"
            try:
                reservations.insert_one(
                    {
                        "_id": key,
                        "kind": SEQUENCE_KIND,
                        "scope": self.vault,
                        "number": number,
                        "collection": self.collection,
                        "entry_id": entry_id,
                    }
                )
                return number
            except DuplicateKeyError:
                taken = reservations.find_one({"_id": key})
                if (
                    taken is not None
                    and taken.get("entry_id") == entry_id
                    and taken.get("collection") == self.collection
                ):
                    return number
        raise NotReadyError(f"no free vault sequence within {MAX_SEQUENCE_AHEAD} of {candidate}")

    def _highest_open_sequence(self) -> int:
        highest = -1
        for collection in (BURNS, REFUNDS):
            for doc in self.db[collection].find(
                {"status": {"$in": [Status.STARTED.value, Status.SIGNED.value]}},
                projection={"sequence": 1},
            ):
                value = doc.get("sequence")
                if isinstance(value, int) and not isinstance(value, bool):
                    highest = max(highest, value)
        return highest

    # -- rebuild: the signing rule's independent view -----------------------------------------

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        try:
            payout = self._payout(entry)
            recipient = (
                self._check_burn(entry)
                if self.kind is ReleaseKind.BURN
                else self._check_refund(entry)
            )
            account = self._vault_account()
            sequence = self._plausible_sequence(entry, account.sequence)
            spec = self._spec(
                account.account_number, sequence, recipient, payout, self._memo(entry)
            )
        except ValidationError as exc:
            raise RebuildMismatchError(f"entry is not a valid release: {exc}") from None
        return order_document(spec)

    def _check_burn(self, entry: Entry) -> str:
        log_index = entry.get("log_index")
        if isinstance(log_index, bool) or not isinstance(log_index, int):
            raise RebuildMismatchError("burn entry has no valid log index")
        expected = ExpectedBurn(
            transaction_hash=str(entry.get("transaction_hash", "")),
            log_index=log_index,
            amount=amount_from_db(entry.get("amount")),
            from_address=str(entry.get("from_address", "")),
            to_address=str(entry.get("to_address", "")),
        )
        check = check_burn_log(
            self.eth, self.config.token_address, expected, self.config.eth_policy
        )
        if check.state is not BurnLogState.FOUND or check.event is None:
            raise RebuildMismatchError(f"burn log {check.state.value}: {check.reason}")
        if not check.confirmed:
            raise RebuildMismatchError(f"burn log has only {check.confirmations} confirmations")
        return check.event.to_address

    def _check_refund(self, entry: Entry) -> str:
        tx_hash = normalize_pokt_tx_hash(str(entry.get("transaction_hash", "")))
        response = self.pokt.tx(tx_hash)
        if response is None:
            raise RebuildMismatchError("deposit tx not found on this node's Pocket RPC")
        verdict = classify_deposit(response, self.config.deposit_rules)
        if verdict.kind is not DepositKind.REFUND:
            raise RebuildMismatchError(
                f"deposit is not a refund here ({verdict.kind}: {verdict.reason})"
            )
        differences = [
            name
            for name, chain_value, stored in (
                ("from_address", verdict.sender, entry.get("from_address")),
                ("to_address", verdict.sender, entry.get("to_address")),
                ("amount", verdict.amount, amount_from_db(entry.get("amount"))),
                ("reason", verdict.reason, entry.get("reason")),
            )
            if chain_value != stored
        ]
        if differences:
            raise RebuildMismatchError(f"refund differs from the chain in {', '.join(differences)}")
        if self._pokt_confirmations(verdict.height or 0) < self.config.pokt_confirmations:
            raise RebuildMismatchError("deposit tx does not have enough confirmations yet")
        assert verdict.sender is not None
        return verdict.sender

    def _pokt_confirmations(self, height: int) -> int:
        return max(0, self.pokt.latest_height() - height + 1)

    def _plausible_sequence(self, entry: Entry, chain_sequence: int) -> int:
        sequence = entry.get("sequence")
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            raise RebuildMismatchError("entry has no vault sequence")
        if sequence < chain_sequence:
            raise RebuildMismatchError(
                f"sequence {sequence} is below the vault's on-chain sequence {chain_sequence}"
            )
        if sequence >= chain_sequence + MAX_SEQUENCE_AHEAD:
            raise RebuildMismatchError(f"sequence {sequence} is implausibly far ahead")
        reservation = self.db[RESERVATIONS].find_one(
            {"_id": f"{SEQUENCE_KIND}:{self.vault}:{sequence}"}
        )
        if (
            reservation is None
            or reservation.get("entry_id") != entry.get("_id")
            or reservation.get("collection") != self.collection
        ):
            raise RebuildMismatchError(f"sequence {sequence} is not reserved for this entry")
        return sequence

    # -- signatures ---------------------------------------------------------------------------

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return hashlib.sha256(sign_bytes(order)).hexdigest()

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        signature = sign_release(self.signer, sign_bytes(order))
        return SignatureRecord(self.node_id, self.signer.public_key.hex(), signature.hex())

    def valid_signatures(
        self, order: Mapping[str, Any], records: Sequence[SignatureRecord]
    ) -> list[SignatureRecord]:
        digest = hashlib.sha256(sign_bytes(order)).digest()
        valid: list[SignatureRecord] = []
        seen: set[int] = set()
        for record in records:
            try:
                key = bytes.fromhex(record.signer)
                signature = bytes.fromhex(record.signature)
            except ValueError:
                continue
            index = self.config.multisig.index_of(key)
            if index is None or index in seen or len(signature) != 64:
                continue
            if verify_digest(self.config.multisig.public_keys[index], digest, signature):
                seen.add(index)
                valid.append(record)
        return valid

    # -- execution ----------------------------------------------------------------------------

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        spec = spec_from_order(order)
        balance = self.pokt.balance(self.vault, spec.denom)
        if balance < spec.amount + spec.fee_amount:
            log.error(
                "vault balance too low for a release",
                alert=True,
                entry_id=str(entry.get("_id")),
                balance=str(balance),
                needed=str(spec.amount + spec.fee_amount),
            )
            raise NotReadyError("the vault cannot pay this release and its fee now")
        chosen = {
            bytes.fromhex(s.signer): bytes.fromhex(s.signature)
            for s in self.valid_signatures(order, signatures)
        }
        assembled = assemble_multisig_tx(
            spec,
            self.config.multisig,
            chosen,
            tx_sig_limit=self.pokt.auth_params().tx_sig_limit,
        )
        encoded = base64.b64encode(assembled.tx_bytes).decode("ascii")
        if not record(assembled.tx_hash, {"execution_tx_bytes": encoded}):
            log.warning("release not broadcast: entry changed", entry_id=str(entry.get("_id")))
            return None
        self.broadcast(assembled.tx_bytes, entry)
        return assembled.tx_hash

    def broadcast(self, tx_bytes: bytes, entry: Entry) -> BroadcastResult | None:
        """Broadcast (sync); a refusal is logged, never raised: the outcome is read later."""
        try:
            result = self.pokt.broadcast(tx_bytes)
        except WpoktError as exc:
            log.warning("release broadcast failed", entry_id=str(entry.get("_id")), error=str(exc))
            return None
        if result.code not in (0, CODE_TX_IN_CACHE):
            log.warning(
                "release broadcast refused",
                entry_id=str(entry.get("_id")),
                code=result.code,
                raw_log=result.raw_log[:300],
            )
        else:
            log.info("release broadcast", entry_id=str(entry.get("_id")), tx_hash=result.txhash)
        return result

    def rebroadcast(self, entry: Entry) -> BroadcastResult | None:
        encoded = entry.get("execution_tx_bytes")
        if not isinstance(encoded, str):
            return None
        try:
            tx_bytes = base64.b64decode(encoded, validate=True)
        except ValueError:
            log.error("stored release bytes are not base64", entry_id=str(entry.get("_id")))
            return None
        return self.broadcast(tx_bytes, entry)

    # -- outcome ------------------------------------------------------------------------------

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        recorded = entry.get("execution_tx_hash")
        return self.release_outcome(
            spec_from_order(order),
            recorded if isinstance(recorded, str) and recorded else None,
            has_bytes=isinstance(entry.get("execution_tx_bytes"), str),
        )

    def release_outcome(
        self, spec: ReleaseSpec, recorded_hash: str | None, *, has_bytes: bool
    ) -> Outcome:
        """What the chain says about the release ``spec`` (whose bytes may be recorded)."""
        if recorded_hash is not None:
            found = self.pokt.tx(recorded_hash)
            if found is not None and matches_release(found, spec):
                return self._included(found, spec)
        vault_sequence = self._vault_account().sequence
        extra = {"vault_sequence": vault_sequence}
        if vault_sequence <= spec.sequence:
            kind = OutcomeKind.PENDING if has_bytes else OutcomeKind.NOT_SUBMITTED
            return Outcome(kind, recorded_hash, "not on chain yet", extra)
        used_by = self.pokt.tx_at_sequence(self.vault, spec.sequence)
        if used_by is None:
            log.error(
                "vault sequence consumed by a tx this node cannot find; not proven dead",
                alert=True,
                sequence=spec.sequence,
            )
            return Outcome(
                OutcomeKind.PENDING, recorded_hash, "sequence consumed by an unknown tx", extra
            )
        if matches_release(used_by, spec):
            return self._included(used_by, spec)
        return Outcome(
            OutcomeKind.DEAD,
            None,
            f"vault sequence {spec.sequence} was used by another tx {used_by.get('txhash')}",
            extra,
        )

    def _included(self, found: Mapping[str, Any], spec: ReleaseSpec) -> Outcome:
        tx_hash = normalize_pokt_tx_hash(str(found.get("txhash", "")))
        code = int(found.get("code") or 0)
        if code != 0:
            return Outcome(
                OutcomeKind.DEAD,
                tx_hash,
                f"release tx failed on chain with code {code}: {str(found.get('raw_log'))[:200]}",
            )
        height = int(found.get("height") or 0)
        confirmations = self._pokt_confirmations(height)
        if confirmations < max(1, self.config.pokt_confirmations):
            return Outcome(
                OutcomeKind.PENDING, tx_hash, "included, not yet confirmed", {"included": True}
            )
        return Outcome(
            OutcomeKind.EXECUTED,
            tx_hash,
            f"on chain at height {height} (sequence {spec.sequence})",
            {"confirmations": confirmations},
        )
