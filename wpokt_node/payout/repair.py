"""Repair, don't fail: an open entry that disagrees with the chain is restored from it.

The shared database is not trusted. Whatever was written into an entry, a node can rebuild
what the entry should say from its own RPCs: the source event's fields, and the order that
the entry's nonce / sequence / proposal implies. So a disagreement is repaired (an audited
self-transition, the replaced values kept under ``repaired``, an alert), and an entry is
failed only when the chain proves that its source event does not exist (``SOURCE_GONE``).
An entry waiting behind a free gap in the nonces or sequences (``custody.base.Gap``) is
prepared again to take it, if nobody could have signed it. An entry recorded again after its
payout (the database restored from an older backup) is recognised by the payload this node's
journal holds for its source event (``journal_payload_landed``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pymongo.errors import PyMongoError

from wpokt_node.custody.base import (
    Custody,
    Gap,
    Outcome,
    OutcomeKind,
    RebuildMismatchError,
    SourceState,
)
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import DUPLICATE, SOURCE_GONE, Status
from wpokt_node.db.transitions import fail_entry, transition
from wpokt_node.errors import DatabaseError, DuplicateKeyConflictError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.payout.signing import Signer

log = get_logger(__name__)

__all__ = [
    "SOURCE_GONE",
    "below_gap",
    "journal_payload_landed",
    "paid_elsewhere",
    "reprepare",
    "resign",
    "restore",
    "restore_order",
]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _retired_orders(
    custody: Custody, entry: Entry, reason: str, execution_tx_hash: str | None
) -> list[Mapping[str, Any]]:
    """The entry's ``retired_orders`` with its current order appended."""
    return [
        *(r for r in entry.document.get("retired_orders") or () if isinstance(r, dict)),
        {
            "order": entry.order,
            custody.number_field: entry.document.get(custody.number_field),
            "execution_tx_hash": execution_tx_hash,
            "reason": reason[:500],
            "at_ms": _now_ms(),
        },
    ]


def restore(signer: Signer, entry: Entry, fields: Mapping[str, Any], reason: str) -> str:
    """Write the chain's ``fields`` over the entry's, keeping its status (an audited repair).
    If the chain's fields are the unique key of another entry, this one is a copy: it fails
    as a duplicate (never revived), which frees any number it holds."""
    try:
        moved = transition(
            signer.db,
            entry.collection,
            entry.id,
            expected=entry.status,
            to=entry.status,
            node_id=signer.node_id,
            reason=f"repaired: {reason}"[:500],
            set_fields=fields,
        )
    except DuplicateKeyConflictError:
        failed = fail_entry(
            signer.db, entry.collection, entry.id, expected=entry.status,
            node_id=signer.node_id, error=DUPLICATE + "another entry holds this source event",
        )  # fmt: skip
        log.error("copy of another entry failed", alert=True, entry_id=str(entry.id))
        return "failed" if failed else "race_lost"
    if moved is None:
        return "race_lost"
    log.error(
        "entry repaired from the chain",
        alert=True,
        collection=entry.collection,
        entry_id=str(entry.id),
        status=entry.status.value,
        reason=reason,
    )
    return "repaired"


def restore_order(
    signer: Signer, custody: Custody, entry: Entry, rebuilt: Mapping[str, Any]
) -> str | None:
    """The stored order is not this node's rebuild for the same number: restore the rebuild,
    unless the stored one has more valid approvals (then the nodes disagree, and an operator
    must look; this node only refuses)."""
    if entry.order is None or rebuilt == entry.order:
        return None
    try:
        # An order that does not pay this entry's source has no approvals for this entry,
        # whatever the approvals of its own (a paid entry's order copied over this one).
        paying = custody.pays_source(entry, entry.order)
        stored = custody.approvals(entry.order, entry.signatures) if paying else 0
    except ValidationError:
        stored = 0  # a malformed order: nobody can have approved it
    if stored >= signer.threshold or stored > custody.approvals(rebuilt, entry.signatures):
        return None
    fields = {"order": dict(rebuilt), "repaired": {"order": str(entry.order)[:300]}}
    return restore(signer, entry, fields, "the order the entry's number implies")


def nobody_signed(signer: Signer, custody: Custody, entry: Entry) -> bool:
    """No valid approval of the entry's order is stored and this node's journal holds no live
    payload for its source event: preparing it again abandons no payload anyone signed."""
    if entry.order is None:
        return True
    try:
        if custody.approvals(entry.order, entry.signatures) > 0:
            return False
        return signer.journal.live_payload(custody.source_event(entry)) is None
    except ValidationError:
        return False


def reprepare(
    signer: Signer, custody: Custody, entry: Entry, reason: str, *, proven_dead: bool
) -> str:
    """Back to ``confirmed`` for a new number. ``proven_dead``: this node verified on its own
    RPC that the payload can never execute, so its journal retires it."""
    retired = _retired_orders(custody, entry, reason, entry.execution_tx_hash)
    cleared = dict.fromkeys(
        ("order", custody.number_field, "execution_tx_hash", *custody.execution_fields)
    )
    moved = transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=entry.status,
        to=Status.CONFIRMED,
        node_id=signer.node_id,
        reason=f"re-prepare: {reason}"[:500],
        set_fields={**cleared, "refusals": {}, "retired_orders": retired},
    )
    if moved is None:
        return "race_lost"
    log.warning("payload re-prepared", entry_id=str(entry.id), reason=reason)
    if proven_dead and entry.order is not None:
        signer.journal.retire(
            custody.source_event(entry), custody.payload_hash(entry.order), f"dead: {reason}"
        )
    return "reprepared"


def below_gap(signer: Signer, custody: Custody, entry: Entry, gap: Gap) -> str:
    """A started entry this node will not sign yet: a number below its own is a gap. A free
    gap is taken by preparing the entry again, if nobody could have signed it."""
    name = custody.number_field
    if gap.free and nobody_signed(signer, custody, entry):
        return reprepare(
            signer, custody, entry, f"{name} {gap.number} below it is free: {gap.reason}",
            proven_dead=False,
        )  # fmt: skip
    log.info(
        "waiting for a lower number",
        collection=entry.collection,
        entry_id=str(entry.id),
        number=entry.number,
        gap=gap.number,
        reason=gap.reason,
    )
    return "waiting_below"


def resign(signer: Signer, custody: Custody, entry: Entry) -> str:
    """A signed entry whose stored order lacks the threshold of valid approvals (order or
    signatures edited in the database): back to ``started`` with this node's rebuild for the
    same number, where the nodes sign it again (each journal allows the same payload)."""
    try:
        rebuilt = custody.rebuild(entry)
    except RebuildMismatchError as mismatch:
        log.error("signed entry lacks approvals", alert=True, entry_id=str(entry.id),
                  reason=mismatch.reason)  # fmt: skip
        return "invalid"
    fields: dict[str, Any] = {"order": dict(rebuilt)}
    if rebuilt != entry.order:
        fields["repaired"] = {"order": str(entry.order)[:300]}
    moved = transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=Status.SIGNED,
        to=Status.STARTED,
        node_id=signer.node_id,
        reason="re-sign: fewer valid approvals than the threshold over the order its number "
        "implies",
        set_fields=fields,
    )
    if moved is None:
        return "race_lost"
    log.error("signed entry sent back to be signed", alert=True, entry_id=str(entry.id))
    return "resign"


def paid_elsewhere(
    signer: Signer, custody: Custody, entry: Entry, order: Mapping[str, Any]
) -> str | None:
    """A payload on chain pays the source event this node signed it for. Before an entry is
    called executed (or signed because its payload ran), this node's journal must bind the
    payload to *this* entry's event; bound to another event, the entry is prepared again (its
    own payout never ran; the payload is spent, so dead for this entry); bound to none, a node
    that signed it decides. None: nothing stands in the way."""
    if custody.payload_names_source:
        return None  # the back end matched the payout's memo / title to this entry
    try:
        event = custody.source_event(entry)
        bound = signer.journal.event_of(custody.payload_hash(order))
    except ValidationError:
        return "invalid"
    if bound == event:
        return None
    if bound is None:
        return "waiting_for_a_signer"
    log.error(
        "executed payload pays another source event",
        alert=True,
        collection=entry.collection,
        entry_id=str(entry.id),
        source_event=event,
        paid_event=bound,
    )
    reason = f"the payload on chain pays {bound}, not this entry"
    return reprepare(signer, custody, entry, reason, proven_dead=True)


def journal_payload_landed(signer: Signer, custody: Custody, entry: Entry) -> str | None:
    """This node's journal holds another payload for the entry's source event, that payload
    pays the source (rebuilt from the chain) and the chain shows it executed: the event is
    paid. The entry takes that order and is recorded ``executed``; its own order is kept under
    ``retired_orders``. This is how a payout made before the database lost its entry (a
    restore from an older backup, a deleted entry) is found when the watcher records the
    deposit again under a new number, which no node would sign (one payload per event).
    None when it does not apply."""
    landed = _landed_payload(signer, custody, entry)
    if landed is None:
        return None
    order, number, outcome = landed
    superseded = "superseded: this node's earlier payload for the event was executed"
    retired = _retired_orders(custody, entry, superseded, None)
    moved = transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=entry.status,
        to=Status.EXECUTED,
        node_id=signer.node_id,
        reason=f"paid earlier by this node's journal payload: {outcome.detail}"[:500],
        set_fields={
            "order": dict(order),
            custody.number_field: number,
            "execution_tx_hash": outcome.tx_hash,
            "retired_orders": retired,
        },
    )
    if moved is None:
        return "race_lost"
    log.warning("entry recorded again after its payout: executed", alert=True,
                entry_id=str(entry.id), tx_hash=outcome.tx_hash)  # fmt: skip
    return "executed"


def _landed_payload(
    signer: Signer, custody: Custody, entry: Entry
) -> tuple[Mapping[str, Any], int, Outcome] | None:
    """(order, number, outcome) of this node's other live payload for the entry's event, if it
    pays the entry's source as the chain shows it and the chain shows it executed, and no
    other entry of the same source event records a payout. For every back end: a release's
    memo or proposal title names its event, but nothing else finds an earlier release again
    (an executed proposal leaves the chain's state; a new entry takes a new vault sequence).
    The back end's outcome matches a release to the entry's own event."""
    try:
        kept = _journal_other_order(signer, custody, entry)
        if kept is None or not _source_intact(custody, entry, kept):
            return None
        # the outcome of the journal's order alone: nothing the database wrote about an
        # execution of this entry (a tx hash, raw bytes) may steer it
        blank = dict.fromkeys(("execution_tx_hash", *custody.execution_fields))
        fresh = Entry.from_document(entry.collection, {**entry.document, **blank})
        outcome = custody.outcome(fresh, kept)
    except (ValidationError, RebuildMismatchError):
        return None
    number = kept.get(custody.number_field)
    if outcome.kind is not OutcomeKind.EXECUTED or not isinstance(number, int):
        return None
    if _source_paid_elsewhere(signer, custody, entry):
        return None  # a copy of the entry that records the payout: not a second payout
    return kept, number, outcome


def _journal_other_order(
    signer: Signer, custody: Custody, entry: Entry
) -> Mapping[str, Any] | None:
    """This node's live order for the entry's event when it is not the entry's own."""
    event = custody.source_event(entry)
    live = signer.journal.live_payload(event)
    if live is None or (entry.order is not None and custody.payload_hash(entry.order) == live):
        return None
    kept = signer.journal.live_order(event)
    return kept if kept is not None and custody.payload_hash(kept) == live else None


def _source_intact(custody: Custody, entry: Entry, order: Mapping[str, Any]) -> bool:
    """The source event is on chain as the entry says (edited fields are restored first), and
    ``order`` pays it."""
    check = custody.check_source(entry)
    if check.state is not SourceState.FOUND or "repaired" in check.fields:
        return False
    return custody.pays_source(entry, order)


def _source_paid_elsewhere(signer: Signer, custody: Custody, entry: Entry) -> bool:
    """Another entry of the same source event (its tx hash in any spelling; for burns the
    same burn of the tx) is already ``executed``."""
    spellings = sorted({entry.transaction_hash, entry.transaction_hash.lower(),
                        entry.transaction_hash.upper()})  # fmt: skip
    event = custody.source_event(entry)
    try:
        others = signer.db[entry.collection].find(
            {
                "_id": {"$ne": entry.id},
                "$or": [{"transaction_hash": h} for h in spellings],
                "status": Status.EXECUTED.value,
            }
        )
        for other in others:
            try:
                if custody.source_event(Entry.from_document(entry.collection, other)) == event:
                    return True
            except ValidationError:
                continue  # a malformed copy records nothing
    except PyMongoError as exc:
        raise DatabaseError(f"{entry.collection}: read failed: {exc}") from None
    return False
