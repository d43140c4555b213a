"""Vault releases (burn payouts and refunds) from a ``LegacyAminoPubKey`` multisig vault.

A release is one ``MsgSend`` from the T-of-N vault at one vault sequence. ``prepare`` fixes
that sequence (lease + reservation); ``rebuild`` derives the whole order again from this
node's own RPCs and config, taking only the sequence from the entry; ``execute`` assembles the
deterministic ``TxRaw``, records it, then broadcasts it; the outcome is read from the tx that
consumed the release's sequence (``release_chain``). The chain's ``tx_sig_limit`` counts every
member key, so this back end serves vaults of at most that many members.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pymongo.errors import PyMongoError

from wpokt_node.custody.base import (
    Gap,
    Outcome,
    OutcomeKind,
    Prepared,
    RebuildMismatchError,
    RecordExecution,
    UnpayableError,
)
from wpokt_node.custody.number_gaps import first_gap
from wpokt_node.custody.release_base import ReleaseCustodyBase, ReleaseNode
from wpokt_node.custody.release_chain import ReleaseChain
from wpokt_node.custody.release_config import (
    AMOUNT_NOT_ABOVE_FEE,
    ReleaseKind,
    payout_amount,
)
from wpokt_node.custody.release_sources import (
    release_title,
)
from wpokt_node.db import leases, reservations
from wpokt_node.db.models import Entry, RetiredOrder, SignatureRecord
from wpokt_node.db.schema import BURNS, REFUNDS, Status
from wpokt_node.errors import DatabaseError, NotReadyError, ValidationError, WpoktError
from wpokt_node.keys.signer import Secp256k1Signer, verify_digest
from wpokt_node.logs import get_logger
from wpokt_node.pokt.multisig_tx import assemble_multisig_tx
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash
from wpokt_node.pokt.release_order import (
    matches_release,
    order_document,
    sign_bytes,
    spec_from_order,
)
from wpokt_node.pokt.release_spec import ReleaseSpec, sign_release
from wpokt_node.pokt.responses import BroadcastResult
from wpokt_node.pokt.tx_encoding import tx_hash as cosmos_tx_hash

log = get_logger(__name__)

Document = dict[str, Any]
CODE_TX_IN_CACHE = 19  # the same bytes were already accepted
MAX_FAILED_RELEASES = 3  # the fee budget of one entry: this many failed release txs
RELEASES_FAILED_ON_CHAIN = "releases_failed_on_chain"


class PoktMultisigCustody(ReleaseCustodyBase):
    """The ``Custody`` of one release kind (burns or refunds) for one node."""

    execution_fields = ("execution_tx_bytes",)
    number_field = "sequence"
    payload_names_source = True

    def __init__(self, node: ReleaseNode, *, signer: Secp256k1Signer) -> None:
        super().__init__(node)
        self.node = node
        self.signer = signer
        self._sibling: PoktMultisigCustody | None = None
        self.chain = ReleaseChain(node.config, node.pokt)
        if node.config.multisig.index_of(signer.public_key) is None:
            raise ValidationError("this node's Pocket key is not a member of the vault multisig")

    # -- the source event ------------------------------------------------------------------------

    def _memo(self, entry: Entry) -> str:
        return release_title(self.kind, entry)

    def _payout(self, entry: Entry) -> int:
        payout = payout_amount(entry.amount, self.config.fee)
        if payout is None:
            raise UnpayableError(AMOUNT_NOT_ABOVE_FEE)
        return payout

    def _spec(
        self, account_number: int, sequence: int, recipient: str, entry: Entry
    ) -> ReleaseSpec:
        return ReleaseSpec(
            chain_id=self.config.chain_id,
            account_number=account_number,
            sequence=sequence,
            vault_address=self.vault,
            recipient=recipient,
            amount=self._payout(entry),
            memo=self._memo(entry),
            fee_amount=self.config.fee,
            gas_limit=self.config.gas,
            denom=self.config.denom,
        )

    # -- prepare: the vault sequence ------------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        self.sources.refuse_unpayable(self.kind, entry)
        self._payout(entry)
        self._memo(entry)
        self.check_recipient(entry.to_address)
        failed = self._failed_releases(entry)
        if failed >= MAX_FAILED_RELEASES:
            raise UnpayableError(
                f"{RELEASES_FAILED_ON_CHAIN}: {failed} release txs of this entry failed on "
                "chain, each paying the vault's fee"
            )
        lease = f"{reservations.VAULT_SEQUENCE}:{self.vault}"
        with leases.held(self.db, lease, self.node_id, self.lease_ttl_s):
            if self._status(entry) != Status.CONFIRMED.value:
                raise NotReadyError("the entry is no longer confirmed")
            account = self.chain.vault_account()
            sequence = reservations.reserve(
                self.db,
                kind=reservations.VAULT_SEQUENCE,
                scope=self.vault,
                collection=self.collection,
                entry_id=entry.id,
                number_field=self.number_field,
                first=account.sequence,
                taken=self._open_sequences(),
            )
        spec = self._spec(account.account_number, sequence, entry.to_address, entry)
        return Prepared(order=order_document(spec), number=sequence)

    def _failed_releases(self, entry: Entry) -> int:
        """Release txs of this entry that this node finds failed on chain (the vault paid
        their fee): a payout that fails for a reason that repeats is not retried for ever.
        Only txs this node reads itself count, never the database's word."""
        title = self._memo(entry)
        failed: set[str] = set()  # distinct txs: a copied retired order counts once
        for retired in entry.retired_orders:
            try:
                spec = spec_from_order(retired.order)
                tx_hash = normalize_pokt_tx_hash(retired.execution_tx_hash or "")
            except ValidationError:
                continue
            if spec.memo != title or tx_hash in failed:
                continue
            found = self.pokt.tx(tx_hash)
            if found and int(found.get("code") or 0) != 0 and matches_release(found, spec):
                failed.add(tx_hash)
        return len(failed)

    def _status(self, entry: Entry) -> object:
        current = self._read(entry, {"status": 1})
        return None if current is None else current.get("status")

    def _open_sequences(self) -> set[int]:
        sequences: set[int] = set()
        try:
            for collection in (BURNS, REFUNDS):
                for doc in self.db[collection].find(
                    {"status": {"$in": [Status.STARTED.value, Status.SIGNED.value]}},
                    projection={"sequence": 1},
                ):
                    value = doc.get("sequence")
                    if type(value) is int:
                        sequences.add(value)
        except PyMongoError as exc:
            raise DatabaseError(f"reading open vault sequences failed: {exc}") from None
        return sequences

    # -- rebuild: the signing rule's independent view -------------------------------------------

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        try:
            self._payout(entry)
            recipient = self.sources.recipient(self.kind, entry)
            account = self.chain.vault_account()
            sequence = self._plausible_sequence(entry, account.sequence)
            spec = self._spec(account.account_number, sequence, recipient, entry)
        except (ValidationError, UnpayableError) as exc:
            raise RebuildMismatchError(f"entry is not a valid release: {exc}") from None
        return order_document(spec)

    def _plausible_sequence(self, entry: Entry, chain_sequence: int) -> int:
        sequence = entry.number
        if sequence is None:
            raise RebuildMismatchError("entry has no vault sequence")
        if sequence < chain_sequence:
            raise RebuildMismatchError(
                f"sequence {sequence} is below the vault's on-chain sequence {chain_sequence}"
            )
        if sequence >= chain_sequence + reservations.MAX_AHEAD:
            raise RebuildMismatchError(f"sequence {sequence} is implausibly far ahead")
        holder = reservations.holder(self.db, reservations.VAULT_SEQUENCE, self.vault, sequence)
        if not reservations.is_reserved_for(holder, self.collection, entry.id):
            raise RebuildMismatchError(f"sequence {sequence} is not reserved for this entry")
        return sequence

    def gap_below(self, entry: Entry) -> Gap | None:
        sequence = entry.number
        if sequence is None:
            return None
        return first_gap(
            self.db,
            kind=reservations.VAULT_SEQUENCE,
            scope=self.vault,
            number_field=self.number_field,
            chain_next=self.chain.vault_account().sequence,
            number=sequence,
            verify=self._verify_holder,
        )

    def _verify_holder(self, holder: Entry) -> str | None:
        """Why this node cannot vouch for the open release ``holder`` (None: it can)."""
        custody = self._custody_for(holder.collection)
        if custody is None:
            return f"{holder.collection} entries do not hold vault sequences"
        try:
            rebuilt = custody.rebuild(holder)
        except RebuildMismatchError as mismatch:
            return mismatch.reason
        return None if rebuilt == holder.order else "its order is not the one the chain implies"

    def _custody_for(self, collection: str) -> PoktMultisigCustody | None:
        """This back end, or its sibling of the other release kind (they share the vault)."""
        if collection == self.collection:
            return self
        other = next((k for k in ReleaseKind if k.collection == collection), None)
        if other is None:
            return None
        if self._sibling is None:
            self._sibling = PoktMultisigCustody(replace(self.node, kind=other), signer=self.signer)
        return self._sibling

    # -- signatures -----------------------------------------------------------------------------

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return hashlib.sha256(sign_bytes(order)).hexdigest()

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        signature = sign_release(self.signer, sign_bytes(order))
        return SignatureRecord(self.node_id, self.signer.public_key.hex(), signature.hex())

    def sign_again(self, entry: Entry) -> bool:
        return False  # a signature stored on the entry is the signature

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        return len({s.signer for s in self.valid_signatures(order, records)})

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

    # -- execution ------------------------------------------------------------------------------

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
                entry_id=str(entry.id),
                balance=str(balance),
                needed=str(spec.amount + spec.fee_amount),
            )
            raise NotReadyError("the vault cannot pay this release and its fee now")
        chosen = {
            bytes.fromhex(s.signer): bytes.fromhex(s.signature)
            for s in self.valid_signatures(order, signatures)
        }
        assembled = assemble_multisig_tx(
            spec, self.config.multisig, chosen, tx_sig_limit=self.pokt.auth_params().tx_sig_limit
        )
        encoded = base64.b64encode(assembled.tx_bytes).decode("ascii")
        if not record(assembled.tx_hash, {"execution_tx_bytes": encoded}):
            log.warning("release not broadcast: entry changed", entry_id=str(entry.id))
            return None
        self.broadcast(assembled.tx_bytes, entry)
        return assembled.tx_hash

    def broadcast(self, tx_bytes: bytes, entry: Entry) -> BroadcastResult | None:
        """Broadcast (sync); a refusal is logged, never raised: the outcome is read later."""
        try:
            result = self.pokt.broadcast(tx_bytes)
        except WpoktError as exc:
            log.warning("release broadcast failed", entry_id=str(entry.id), error=str(exc))
            return None
        if result.code not in (0, CODE_TX_IN_CACHE):
            log.warning(
                "release broadcast refused",
                entry_id=str(entry.id),
                code=result.code,
                raw_log=result.raw_log[:300],
            )
        else:
            log.info("release broadcast", entry_id=str(entry.id), tx_hash=result.txhash)
        return result

    def rebroadcast(self, entry: Entry, record: RecordExecution) -> str:
        encoded = entry.document.get("execution_tx_bytes")
        if not isinstance(encoded, str):
            return "nothing_to_rebroadcast"
        try:
            tx_bytes = base64.b64decode(encoded, validate=True)
        except ValueError:
            log.error("stored release bytes are not base64", entry_id=str(entry.id))
            return "invalid"
        self.broadcast(tx_bytes, entry)
        return "rebroadcast"

    # -- outcome --------------------------------------------------------------------------------

    def _own_spec(self, entry: Entry, order: Mapping[str, Any]) -> ReleaseSpec:
        """The stored order, which must name this entry's own source event in its memo."""
        spec = spec_from_order(order)
        if spec.memo != self._memo(entry):
            raise ValidationError(f"the stored order pays {spec.memo[:100]!r}, not this entry")
        return spec

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        return self.chain.outcome(
            self._own_spec(entry, order),
            entry.execution_tx_hash,
            has_bytes=_recorded_bytes_match(entry),
        )

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        if self.chain.vault_sequence() <= self._own_spec(entry, order).sequence:
            return None
        return self.outcome(entry, order)

    def proven_dead(self, retired: RetiredOrder) -> bool:
        try:
            spec = spec_from_order(retired.order)
        except ValidationError:
            return False
        outcome = self.chain.outcome(spec, retired.execution_tx_hash, has_bytes=False)
        return outcome.kind is OutcomeKind.DEAD

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        return (entry.number if entry.number is not None else 2**63,)


def _recorded_bytes_match(entry: Entry) -> bool:
    """The entry carries the bytes of its recorded release tx (a Cosmos tx hash is the SHA-256
    of its bytes); bytes edited or erased in the database cannot be rebroadcast, so the release
    counts as not submitted (another tx for the same sequence is safe: one per sequence)."""
    encoded = entry.document.get("execution_tx_bytes")
    if not isinstance(encoded, str) or entry.execution_tx_hash is None:
        return False
    try:
        tx_bytes = base64.b64decode(encoded, validate=True)
    except ValueError:
        return False
    return cosmos_tx_hash(tx_bytes) == entry.execution_tx_hash.upper()
