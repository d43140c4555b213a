"""Per-node state in ``nodes``: scan cursors and worker heartbeats (one document per node)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.schema import NODES
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.secret import redact

Document = dict[str, Any]

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _check_name(what: str, value: str) -> None:
    if not _NAME.fullmatch(value):
        raise ValidationError(f"{what} must be 1-64 chars of letters, digits, '_' or '-'")


def _upsert(nodes: Collection[Document], node_id: str, update: dict[str, Any]) -> None:
    # Two first writes for the same node can both try to insert; the loser's retry updates.
    for attempt in range(2):
        try:
            nodes.update_one({"node_id": node_id}, update, upsert=True)
            return
        except DuplicateKeyError:
            if attempt:
                raise
        except PyMongoError as exc:
            raise DatabaseError(f"nodes/{node_id}: write failed: {exc}") from None


def get_cursor(db: Database[Document], node_id: str, name: str) -> int | None:
    """The node's saved scan position ``name`` (e.g. a block height), or None if never set."""
    _check_name("node_id", node_id)
    _check_name("cursor name", name)
    try:
        doc = db[NODES].find_one({"node_id": node_id}, projection={"cursors": 1})
    except PyMongoError as exc:
        raise DatabaseError(f"nodes/{node_id}: read failed: {exc}") from None
    value = ((doc or {}).get("cursors") or {}).get(name)
    return None if value is None else int(value)


def set_cursor(db: Database[Document], node_id: str, name: str, value: int) -> None:
    _check_name("node_id", node_id)
    _check_name("cursor name", name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"cursor {name} must be a non-negative int, got {value!r}")
    _upsert(
        db[NODES],
        node_id,
        {"$set": {f"cursors.{name}": value}, "$currentDate": {"updated_at": True}},
    )


# how long a running watcher lets a cursor move without writing it (no entry recorded)
CURSOR_WRITE_S = 30.0


class Cursors:
    """A watcher's scan positions: each read from ``nodes`` once, then kept in memory. A move
    is written through at once when the pass recorded something (``recorded``) or when
    ``write_every_s`` has passed since the last write; else it waits. A restart then scans
    again from a cursor up to that old, which records nothing twice (every insert is once per
    unique key). A running watcher neither pays a round trip per pass for them nor follows a
    cursor that someone else moved in the database."""

    def __init__(
        self,
        db: Database[Document],
        node_id: str,
        write_every_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.node_id, self.write_every_s, self.clock = db, node_id, write_every_s, clock
        self._known: dict[str, int | None] = {}
        self._written_at: dict[str, float] = {}

    def get(self, name: str) -> int | None:
        if name not in self._known:
            self._known[name] = get_cursor(self.db, self.node_id, name)
        return self._known[name]

    def set(self, name: str, value: int, *, recorded: bool = True) -> None:
        self._known[name] = value
        last = self._written_at.get(name)
        due = last is None or self.clock() - last >= self.write_every_s
        if recorded or due:
            set_cursor(self.db, self.node_id, name, value)
            self._written_at[name] = self.clock()


def heartbeat(db: Database[Document], node_id: str, worker: str, **fields: Any) -> None:
    """Record that ``worker`` of ``node_id`` is alive: ``workers.<worker>`` gets ``at`` (server
    time), ``pid`` and ``fields`` (ints, strings, None, lists, dicts; no dates: use epoch ms)."""
    _check_name("node_id", node_id)
    _check_name("worker", worker)
    values: dict[str, Any] = {"pid": os.getpid(), **fields}
    values = {k: redact(v) if isinstance(v, str) else v for k, v in values.items()}
    for key, value in values.items():
        if not key or "." in key or key.startswith("$") or key == "at":
            raise ValidationError(f"heartbeat field name {key!r} is not allowed")
        if isinstance(value, datetime | date):
            raise ValidationError(f"heartbeat field {key}: dates are not allowed, use epoch ms")
    prefix = f"workers.{worker}"
    _upsert(
        db[NODES],
        node_id,
        {
            "$set": {f"{prefix}.{k}": v for k, v in values.items()},
            "$currentDate": {f"{prefix}.at": True, "updated_at": True},
        },
    )


def node_document(db: Database[Document], node_id: str) -> Document | None:
    try:
        return db[NODES].find_one({"node_id": node_id})
    except PyMongoError as exc:
        raise DatabaseError(f"nodes/{node_id}: read failed: {exc}") from None
