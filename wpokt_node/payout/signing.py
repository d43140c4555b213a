"""The signing rule, applied by the payout state machine to every kind of entry.

For a ``started`` entry this node has not signed: rebuild the payload from this node's own
RPC and config; sign only if the rebuild equals the stored order *and* the signing journal
authorizes it (one payload per source event, ever). Any refusal is recorded on the entry
under ``refusals.<node_id>`` and logged as an alert; nothing is signed. Then, when at least
``threshold`` distinct valid signatures exist, the entry moves to ``signed``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.custody.base import Custody, RebuildMismatchError
from wpokt_node.db.entries import add_signature
from wpokt_node.db.models import Entry, RetiredOrder
from wpokt_node.db.schema import Status
from wpokt_node.db.transitions import transition
from wpokt_node.errors import DatabaseError, NotReadyError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.metrics import REFUSALS, SIGNATURES, label
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.secret import redact

log = get_logger(__name__)

Document = dict[str, Any]


class SignStep(StrEnum):
    SIGNED = "signed"
    ALREADY_SIGNED = "already_signed"
    PAUSED = "paused"
    REFUSED = "refused"
    RACE_LOST = "race_lost"


@dataclass(frozen=True, slots=True)
class Signer:
    """What the signing step needs to know about this node."""

    db: Database[Document]
    journal: SigningJournal
    node_id: str
    threshold: int
    paused: bool = False


def record_refusal(
    db: Database[Document], entry: Entry, node_id: str, reason: str, *, kind: str
) -> None:
    """Note on the entry why this node did not sign, raise an alert in the logs, and count it
    under ``kind`` (a closed set: the metric's ``reason`` label)."""
    REFUSALS.labels(entry.collection, label(kind)).inc()
    log.error(
        "signing refused",
        alert=True,
        collection=entry.collection,
        entry_id=str(entry.id),
        transaction_hash=entry.transaction_hash,
        reason=reason,
        kind=kind,
    )
    at_ms = int(time.time() * 1000)
    try:
        db[entry.collection].update_one(
            {"_id": entry.id},
            {"$set": {f"refusals.{node_id}": {"reason": redact(reason)[:500], "at_ms": at_ms}}},
        )
    except PyMongoError as exc:
        raise DatabaseError(f"{entry.collection}: could not record a refusal: {exc}") from None


def _agrees(signer: Signer, custody: Custody, entry: Entry, order: Mapping[str, Any]) -> bool:
    """The rebuilt ``order`` is the stored one, and the journal records the intent to sign it;
    otherwise the refusal is recorded on the entry."""
    if order != entry.order:
        reason = "stored order differs from the order rebuilt from the chain"
        record_refusal(signer.db, entry, signer.node_id, reason, kind="order_differs")
        return False
    event = custody.source_event(entry)
    verdict = signer.journal.authorize(
        event, custody.payload_hash(order), f"{entry.collection}:{entry.id}", order
    )
    if verdict.other_event is not None:
        record_refusal(
            signer.db,
            entry,
            signer.node_id,
            f"signing journal: this payload was signed for another source event "
            f"({verdict.other_event}); a payload pays one event only",
            kind="journal_other_event",
        )
    elif not verdict.may_sign:
        record_refusal(
            signer.db,
            entry,
            signer.node_id,
            f"signing journal: this node already signed payload {verdict.live_payload_hash} "
            f"for {event}",
            kind="journal_already_signed",
        )
    return verdict.may_sign


def sign_entry(
    signer: Signer, custody: Custody, entry: Entry
) -> tuple[SignStep, Mapping[str, Any] | None]:
    """Apply the signing rule to one ``started`` entry; returns what happened and the order
    this node rebuilt (None when it did not rebuild one)."""
    if entry.signed_by(signer.node_id) and not custody.sign_again(entry):
        return SignStep.ALREADY_SIGNED, None
    if signer.paused:
        return SignStep.PAUSED, None
    try:
        order = custody.rebuild(entry)
    except RebuildMismatchError as mismatch:
        record_refusal(signer.db, entry, signer.node_id, mismatch.reason, kind="rebuild_mismatch")
        return SignStep.REFUSED, None
    if order == entry.order:  # a differing order is refused below, and repaired
        wait = custody.sign_wait(entry, order)
        if wait is not None:
            raise NotReadyError(wait)  # before the journal records anything
    if not _unmoved(signer.db, entry):
        return SignStep.RACE_LOST, None
    if not _agrees(signer, custody, entry, order):
        return SignStep.REFUSED, order
    record = custody.sign(order)
    added = add_signature(
        signer.db,
        entry.collection,
        entry.id,
        expected=Status.STARTED,
        node_id=signer.node_id,
        signer=record.signer,
        signature=record.signature,
        audit_seq=_audit_seq(entry),
    )
    if added:
        SIGNATURES.labels(entry.collection).inc()
        log.info("signed", collection=entry.collection, entry_id=str(entry.id))
    return (SignStep.SIGNED if added else SignStep.RACE_LOST), order


def _unmoved(db: Database[Document], entry: Entry) -> bool:
    """The entry is still as this pass read it: still ``started``, no transition since, the
    same order. Checked right before the journal records the intent to sign, because a
    journal's payload for an event is final: a node that signed the order of a snapshot that
    another node had meanwhile prepared again (a lower number freed) would refuse the new
    order for ever, and enough such nodes stall the payout."""
    try:
        current = db[entry.collection].find_one(
            {"_id": entry.id}, projection={"status": 1, "order": 1, "audit_seq": 1}
        )
    except PyMongoError as exc:
        raise DatabaseError(f"{entry.collection}: re-reading the entry failed: {exc}") from None
    if current is None:
        return False
    return (
        current.get("status") == Status.STARTED.value
        and current.get("audit_seq") == entry.document.get("audit_seq")
        and current.get("order") == entry.order
    )


def _audit_seq(entry: Entry) -> int | None:
    seq = entry.document.get("audit_seq")  # an int, or bson Int64 (an int subclass)
    return int(seq) if isinstance(seq, int) and not isinstance(seq, bool) else None


def promote_if_signed(
    signer: Signer, custody: Custody, entry: Entry, order: Mapping[str, Any]
) -> Document | None:
    """Move ``started`` -> ``signed`` once ``threshold`` distinct members approve ``order``
    (this node's own rebuild). Returns the updated entry, or None."""
    approvals = custody.approvals(order, entry.signatures)
    if approvals < signer.threshold:
        return None
    return transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=Status.STARTED,
        to=Status.SIGNED,
        node_id=signer.node_id,
        reason=f"{approvals} approvals (threshold {signer.threshold})",
    )


def own_order(journal: SigningJournal, custody: Custody, entry: Entry) -> Mapping[str, Any] | None:
    """The order this node signed for the entry: the stored one if the journal holds its
    hash, else a fresh rebuild (None if this node does not agree with it)."""
    if entry.order is not None:
        try:
            live = journal.live_payload(custody.source_event(entry))
            if live is not None and live == custody.payload_hash(entry.order):
                return entry.order
        except ValidationError:
            log.warning("stored order unreadable; rebuilding", entry_id=str(entry.id))
    try:
        return custody.rebuild(entry)
    except RebuildMismatchError:
        return None


def retire_proven_dead(journal: SigningJournal, custody: Custody, entry: Entry) -> None:
    """If this node's journal still holds an earlier payload for this source event, retire
    it once this node has proven on its own RPC that that payload can never land. The order
    is the journal's own copy; only rows written before the journal kept orders fall back
    to the entry's ``retired_orders``."""
    try:
        event = custody.source_event(entry)
        live = journal.live_payload(event)
        if live is None or (entry.order is not None and custody.payload_hash(entry.order) == live):
            return
    except ValidationError:
        return  # a malformed entry: the signing rule refuses it and says why
    kept = journal.live_order(event)
    candidates = [RetiredOrder(kept, None)] if kept is not None else list(entry.retired_orders)
    for retired in candidates:
        try:
            if custody.payload_hash(retired.order) != live:
                continue
        except ValidationError:
            continue
        if custody.proven_dead(retired):
            journal.retire(event, live, "proven dead on chain")
            log.info("journal payload retired", entry_id=str(entry.id), source_event=event)
        return
