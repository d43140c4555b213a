"""The cluster-wide pause switch: one control record in ``control`` (``_id: "bridge"``).

``wpokt-node admin pause|resume`` writes it; every node reads it on every pass that could
move money. Each change also leaves a history document (``_id: "bridge:<seq>"``). The
database is untrusted (docs/security.md): a record that cannot be read as clearly "not
paused" counts as paused, so a malformed record stops the bridge rather than starting it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.schema import CONTROL
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.secret import redact

Document = dict[str, Any]

BRIDGE_PAUSE_ID = "bridge"
PAUSE_KIND = "bridge_pause"
CHANGE_KIND = "bridge_pause_change"
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class BridgePause:
    paused: bool
    reason: str | None = None
    by: str | None = None
    at_ms: int | None = None
    seq: int = 0

    def describe(self) -> str:
        if not self.paused:
            return "running"
        who = f" by {self.by}" if self.by else ""
        why = f": {self.reason}" if self.reason else ""
        return f"PAUSED{who}{why}"

    def to_json(self) -> dict[str, Any]:
        return {
            "paused": self.paused,
            "reason": self.reason,
            "by": self.by,
            "at_ms": self.at_ms,
            "seq": self.seq,
        }


def _flag(value: object) -> bool | None:
    """True/False for a readable flag (nx-27017 turns a ``$set`` boolean into 0/1)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def _text(value: object) -> str | None:
    return value[:MAX_TEXT] if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_bridge_pause(document: Document | None) -> BridgePause:
    """No record: running. A record whose flag is unreadable: paused (fail closed)."""
    if document is None:
        return BridgePause(paused=False)
    flag = _flag(document.get("paused"))
    reason = _text(document.get("reason"))
    if flag is None:
        reason = "unreadable control record (paused field is not a boolean)"
    return BridgePause(
        paused=True if flag is None else flag,
        reason=reason,
        by=_text(document.get("by")),
        at_ms=_int(document.get("at_ms")),
        seq=_int(document.get("seq")) or 0,
    )


def read_bridge_pause(db: Database[Document]) -> BridgePause:
    try:
        document = db[CONTROL].find_one({"_id": BRIDGE_PAUSE_ID})
    except PyMongoError as exc:
        raise DatabaseError(f"control: read failed: {exc}") from None
    return parse_bridge_pause(document)


def set_bridge_pause(
    db: Database[Document], *, paused: bool, by: str, reason: str | None = None
) -> BridgePause:
    """Pause or resume the whole bridge; returns the record as written."""
    if not by.strip():
        raise ValidationError("a pause change needs who made it ('by')")
    fields: Document = {
        "kind": PAUSE_KIND,
        "paused": paused,
        "reason": redact((reason or "").strip())[:MAX_TEXT] or None,
        "by": by.strip()[:MAX_TEXT],
        "at_ms": int(time.time() * 1000),
    }
    try:
        document = db[CONTROL].find_one_and_update(
            {"_id": BRIDGE_PAUSE_ID},
            {"$set": fields, "$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except PyMongoError as exc:
        raise DatabaseError(f"control: writing the pause record failed: {exc}") from None
    state = parse_bridge_pause(document)
    try:
        db[CONTROL].insert_one(
            {
                **fields,
                "_id": f"{BRIDGE_PAUSE_ID}:{state.seq:010d}",
                "kind": CHANGE_KIND,
                "seq": state.seq,
            }
        )
    except DuplicateKeyError:
        pass  # two changes raced on one seq: the record itself is authoritative
    except PyMongoError as exc:
        raise DatabaseError(f"control: writing the pause history failed: {exc}") from None
    return state


def pause_history(db: Database[Document], limit: int = 20) -> list[Document]:
    """The latest pause changes, newest first."""
    try:
        found = db[CONTROL].find({"kind": CHANGE_KIND}).sort("seq", -1).limit(limit)
        return list(found)
    except PyMongoError as exc:
        raise DatabaseError(f"control: read failed: {exc}") from None
