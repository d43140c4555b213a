"""Status transitions with optimistic concurrency, and the audit log they write.

A transition is one atomic ``find_one_and_update`` filtered on the entry's expected status (and
its ``audit_seq``, which changes with every transition). The same update appends the
transition record to the entry's own ``transitions`` array, so the record can never be lost.
Then the record is copied into ``audit`` with an idempotent insert (unique ``(entry_id, seq)``).
If the process dies between the two writes, the copy is made later: the next transition of the
same entry re-copies the previous record, and ``repair_audit`` copies any that are missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import structlog
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.clock import utc_now
from wpokt_node.db.entries import insert_once
from wpokt_node.db.query import eq, match
from wpokt_node.db.schema import (
    AUDIT,
    ENTRY_COLLECTIONS,
    REPREPARE_FROM,
    SOURCE_GONE,
    Status,
    check_transition,
    entry_collection,
)
from wpokt_node.errors import DatabaseError, DuplicateKeyConflictError, ValidationError
from wpokt_node.secret import redact

Document = dict[str, Any]

log = structlog.get_logger(__name__)

RESERVED_FIELDS = frozenset(
    {"_id", "status", "audit_seq", "transitions", "updated_at", "created_at", "signers"}
)


def _check_set_fields(set_fields: Mapping[str, Any]) -> None:
    for key, value in set_fields.items():
        root = key.split(".", 1)[0]
        if not key or key.startswith("$") or root in RESERVED_FIELDS:
            raise ValidationError(f"transition cannot set field {key!r}")
        _reject_dates(key, value)


def _reject_dates(path: str, value: Any) -> None:
    # Dates set through ``$set`` are stored as text by nx-27017; entries get their one server
    # time stamp (updated_at) through ``$currentDate``. Store other instants as epoch ms ints.
    if isinstance(value, datetime | date):
        raise ValidationError(f"{path}: dates cannot be set in a transition; use epoch ms (int)")
    if isinstance(value, Mapping):
        for k, v in value.items():
            _reject_dates(f"{path}.{k}", v)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _reject_dates(f"{path}.{i}", v)


def transition(
    db: Database[Document],
    collection_name: str,
    entry_id: ObjectId,
    *,
    expected: Status,
    to: Status,
    node_id: str,
    reason: str,
    set_fields: Mapping[str, Any] | None = None,
) -> Document | None:
    """Move the entry from ``expected`` to ``to``; return the updated entry, or None if the
    entry is missing or not in ``expected`` (another node won the race: nothing was changed).
    Raises ValidationError for a change not in the status table. Re-prepare (started/signed ->
    confirmed) also clears the signatures, which belonged to the dead payload."""
    entry_collection(collection_name)
    check_transition(expected, to)
    fields = dict(set_fields or {})
    _check_set_fields(fields)
    collection = db[collection_name]
    try:
        current = collection.find_one({"_id": entry_id}, projection={"status": 1, "audit_seq": 1})
        if current is None or current.get("status") != expected.value:
            return None
        seq_now = current.get("audit_seq")
        seq_filter: Any = {"$exists": False} if seq_now is None else int(seq_now)
        seq = (0 if seq_now is None else int(seq_now)) + 1
        record = {
            "seq": seq,
            "from": expected.value,
            "to": to.value,
            "node_id": node_id,
            "at": utc_now(),
            "reason": redact(reason),
        }
        updated = collection.find_one_and_update(
            {"_id": entry_id, "status": expected.value, "audit_seq": seq_filter},
            {
                "$set": {**fields, **_cleared(expected, to), "status": to.value},
                "$inc": {"audit_seq": 1},
                "$currentDate": {"updated_at": True},
                "$addToSet": {"transitions": record},
            },
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        raise DuplicateKeyConflictError(
            f"{collection_name}: {entry_id} would take the unique key of another entry"
        ) from None
    except PyMongoError as exc:
        raise DatabaseError(f"{collection_name}: transition failed: {exc}") from None
    if updated is None:
        return None
    records = [r for r in updated.get("transitions", []) if int(r.get("seq", 0)) >= seq - 1]
    try:
        _copy_to_audit(db, collection_name, entry_id, records)
    except (PyMongoError, DatabaseError) as exc:
        log.warning(
            "audit copy deferred",
            collection=collection_name,
            entry_id=str(entry_id),
            error=str(exc),
        )
    return updated


def _cleared(expected: Status, to: Status) -> dict[str, Any]:
    revived = expected is Status.FAILED and to is Status.DETECTED
    prepared_again = expected in (*REPREPARE_FROM, Status.EXECUTED) and to is Status.CONFIRMED
    if revived or prepared_again:
        return {"signers": [], "signatures": []}
    return {}


def _copy_to_audit(
    db: Database[Document],
    collection_name: str,
    entry_id: ObjectId,
    records: Iterable[Mapping[str, Any]],
) -> int:
    inserted = 0
    for record in records:
        outcome = insert_once(
            db[AUDIT],
            {
                "entry_id": entry_id,
                "collection": collection_name,
                "seq": int(record["seq"]),
                "from": record["from"],
                "to": record["to"],
                "node_id": record["node_id"],
                "at": record["at"],
                "reason": record.get("reason"),
            },
        )
        inserted += int(outcome.inserted)
    return inserted


def repair_audit(db: Database[Document], *, since: datetime | None = None) -> int:
    """Copy into ``audit`` every transition record that is missing there (entries updated at
    or after ``since``, or all). Returns how many audit documents were added."""
    added = 0
    query: dict[str, Any] = {"audit_seq": {"$gt": 0}}
    if since is not None:
        query["updated_at"] = {"$gte": since}
    try:
        for name in ENTRY_COLLECTIONS:
            for entry in db[name].find(query, projection={"transitions": 1, "audit_seq": 1}):
                have = db[AUDIT].find_one(
                    match({"entry_id": entry["_id"], "seq": entry["audit_seq"]}),
                    projection={"_id": 1},
                )
                if have is None:
                    added += _copy_to_audit(db, name, entry["_id"], entry.get("transitions", []))
    except PyMongoError as exc:
        raise DatabaseError(f"audit repair failed: {exc}") from None
    return added


def audit_trail(db: Database[Document], entry_id: ObjectId) -> list[Document]:
    """The audit documents of one entry, oldest first."""
    try:
        return list(db[AUDIT].find({"entry_id": eq(entry_id)}).sort("seq", 1))
    except PyMongoError as exc:
        raise DatabaseError(f"audit read failed: {exc}") from None


ERROR_LIMIT = 500


def fail_entry(
    db: Database[Document],
    collection_name: str,
    entry_id: ObjectId,
    *,
    expected: Status,
    node_id: str,
    error: str,
) -> Document | None:
    """Move the entry from ``expected`` to ``failed``, recording ``error`` as the entry's
    ``error`` and the transition's reason. None if another node moved it first."""
    text = redact(error)[:ERROR_LIMIT]
    return transition(
        db,
        collection_name,
        entry_id,
        expected=expected,
        to=Status.FAILED,
        node_id=node_id,
        reason=text,
        set_fields={"error": text},
    )


def revive_entry(
    db: Database[Document],
    collection_name: str,
    entry_id: ObjectId,
    *,
    node_id: str,
    reason: str,
    fields: Mapping[str, Any],
) -> bool:
    """A ``failed`` entry whose source event the chain shows after all: back to ``detected``
    with the chain's ``fields``, its error cleared. Only an entry failed as absent
    (``SOURCE_GONE``) is revived; False for any other (or if another node revived it)."""
    try:
        current = db[collection_name].find_one(
            {"_id": entry_id}, projection={"status": 1, "error": 1}
        )
    except PyMongoError as exc:
        raise DatabaseError(f"{collection_name}: read failed: {exc}") from None
    if current is None or current.get("status") != Status.FAILED.value:
        return False
    if not str(current.get("error") or "").startswith(SOURCE_GONE):
        return False
    moved = transition(
        db,
        collection_name,
        entry_id,
        expected=Status.FAILED,
        to=Status.DETECTED,
        node_id=node_id,
        reason=f"revived: {reason}"[:ERROR_LIMIT],
        set_fields={**fields, "error": None, "held": None, "held_detail": None},
    )
    return moved is not None


def record_confirmations(
    db: Database[Document],
    collection_name: str,
    entry_id: ObjectId,
    *,
    confirmed: bool,
    fields: Mapping[str, Any],
    node_id: str,
) -> str:
    """For a ``detected`` entry: move it to ``confirmed`` with ``fields`` (its confirmation
    count, ...) when ``confirmed``, else just record ``fields``. Returns ``confirmed``,
    ``race_lost`` (another node moved it first) or ``waiting``."""
    if confirmed:
        moved = transition(
            db,
            collection_name,
            entry_id,
            expected=Status.DETECTED,
            to=Status.CONFIRMED,
            node_id=node_id,
            reason=f"{fields.get('confirmations')} confirmations",
            set_fields=fields,
        )
        return "confirmed" if moved else "race_lost"
    _check_set_fields(fields)
    try:
        db[entry_collection(collection_name)].update_one(
            {"_id": entry_id, "status": Status.DETECTED.value},
            {"$set": dict(fields), "$currentDate": {"updated_at": True}},
        )
    except PyMongoError as exc:
        raise DatabaseError(f"{collection_name}: confirmations update failed: {exc}") from None
    return "waiting"
