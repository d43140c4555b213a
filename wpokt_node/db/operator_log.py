"""The audit record of operator tools (``wpokt-node admin …``): one ``control`` document per
action, dry runs included, saying who did what to which entry or transaction and what came of
it. Like the pause history it is kept in the shared database, which every operator can read."""

from __future__ import annotations

import secrets
import time
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.db.schema import CONTROL
from wpokt_node.errors import DatabaseError
from wpokt_node.secret import redact

Document = dict[str, Any]
ACTION_KIND = "operator_action"
MAX_TEXT = 500


def record_action(
    db: Database[Document],
    *,
    action: str,
    by: str,
    target: str | None,
    outcome: str,
    dry_run: bool,
) -> Document:
    """Append one action to the audit record; returns the document written."""
    at_ms = int(time.time() * 1000)
    document: Document = {
        "_id": f"op:{at_ms:013d}:{secrets.token_hex(4)}",
        "kind": ACTION_KIND,
        "at_ms": at_ms,
        "action": action,
        "by": by[:MAX_TEXT],
        "target": None if target is None else redact(target)[:MAX_TEXT],
        "outcome": redact(outcome)[:MAX_TEXT],
        "dry_run": dry_run,
    }
    try:
        db[CONTROL].insert_one(document)
    except PyMongoError as exc:
        raise DatabaseError(f"control: recording the operator action failed: {exc}") from None
    return document


def recent_actions(db: Database[Document], limit: int = 20) -> list[Document]:
    try:
        cursor = db[CONTROL].find({"kind": ACTION_KIND}).sort("at_ms", DESCENDING).limit(limit)
        return list(cursor)
    except PyMongoError as exc:
        raise DatabaseError(f"control: reading the operator actions failed: {exc}") from None
