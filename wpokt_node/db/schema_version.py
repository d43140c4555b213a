"""Which nodes may share a database: its schema version, recorded by ``db init``.

``SCHEMA_VERSION`` is the shape of the documents this code writes; ``MIN_READER`` the oldest
node schema version that still works on a database initialised by this code (its additions are
ones older nodes ignore). ``db init`` records both in ``control`` (``_id: "schema"``) and never
lowers them. A node refuses to start against a database whose ``min_reader`` is above its own
version (upgrade the node) or whose version is below its own (run this version's ``db init``
first). So during a rolling upgrade the first upgraded node's ``db init`` lets the others keep
running until their turn, as long as ``MIN_READER`` allows it, and refuses clearly otherwise;
a node already running re-reads the record (``SchemaWatch``) and holds its signing once the
database needs a newer node than itself.

Versions: 1 — entries, nodes, reservations, leases, control, audit (before this record
existed, so a database without it is version 1); 2 — this record.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.db.schema import CONTROL
from wpokt_node.errors import DatabaseError, StartupCheckError

Document = dict[str, Any]
SCHEMA_VERSION = 2
MIN_READER = 1
SCHEMA_ID = "schema"
WATCH_INTERVAL_S = 30.0


@dataclass(frozen=True, slots=True)
class SchemaRecord:
    version: int
    min_reader: int
    by: str | None = None


def read_schema(db: Database[Document]) -> SchemaRecord:
    """The database's record; version 1 when it predates the record."""
    try:
        doc = db[CONTROL].find_one({"_id": SCHEMA_ID})
    except PyMongoError as exc:
        raise DatabaseError(f"reading the schema version failed: {exc}") from None
    if doc is None:
        return SchemaRecord(1, 1)
    version, min_reader = doc.get("version"), doc.get("min_reader")
    if (
        not isinstance(version, int)
        or not isinstance(min_reader, int)
        or _flag(version, min_reader)
    ):
        raise DatabaseError(f"the schema record in {CONTROL} is malformed: {doc!r:.200}")
    return SchemaRecord(int(version), int(min_reader), doc.get("by"))


def _flag(*values: object) -> bool:
    """A bool passes isinstance(int) (bson Int64, an int subclass, must): refuse it."""
    return any(isinstance(value, bool) for value in values)


def record_schema(db: Database[Document], by: str) -> str:
    """``db init``: raise the record to this code's version (never lower it); what it did."""
    current = read_schema(db)
    if current.version > SCHEMA_VERSION:
        raise DatabaseError(
            f"the database is at schema {current.version} (by {current.by}), newer than this "
            f"version's {SCHEMA_VERSION}: run db init with the newer wpokt-node"
        )
    fields = {
        "kind": "schema_version",
        "version": SCHEMA_VERSION,
        "min_reader": max(MIN_READER, current.min_reader if current.version > 1 else 1),
        "at_ms": int(time.time() * 1000),
        "by": by,
    }
    try:
        db[CONTROL].update_one({"_id": SCHEMA_ID}, {"$set": fields}, upsert=True)
    except PyMongoError as exc:
        raise DatabaseError(f"recording the schema version failed: {exc}") from None
    return f"schema version {SCHEMA_VERSION} (nodes of schema {fields['min_reader']} and up)"


def _too_old(record: SchemaRecord, version: str) -> str | None:
    if record.min_reader <= SCHEMA_VERSION:
        return None
    return (
        f"the database is at schema {record.version} and needs nodes of schema "
        f"{record.min_reader} or newer (db init by {record.by}); this node (wpokt-node "
        f"{version}) has schema {SCHEMA_VERSION}: upgrade it"
    )


def check_schema(db: Database[Document], version: str) -> None:
    """Refuse, with what to do, a database this node cannot share."""
    record = read_schema(db)
    too_old = _too_old(record, version)
    if too_old is not None:
        raise StartupCheckError(too_old)
    if record.version < SCHEMA_VERSION:
        raise StartupCheckError(
            f"the database is at schema {record.version}, this node (wpokt-node {version}) "
            f"writes schema {SCHEMA_VERSION}: run `wpokt-node db init --config FILE` first"
        )


class SchemaWatch:
    """A running node's view of the record: why it must stop signing (the database now needs
    a newer node), re-read every ``WATCH_INTERVAL_S``; an unreadable database keeps the last
    verdict."""

    def __init__(
        self,
        db: Database[Document],
        version: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval_s: float = WATCH_INTERVAL_S,
    ) -> None:
        self.db, self.version, self.clock, self.interval_s = db, version, clock, interval_s
        self._checked_at: float | None = None
        self._reason: str | None = None

    def reason(self) -> str | None:
        now = self.clock()
        if self._checked_at is not None and now - self._checked_at < self.interval_s:
            return self._reason
        self._checked_at = now
        with contextlib.suppress(DatabaseError):  # unreadable: the last verdict holds
            self._reason = _too_old(read_schema(self.db), self.version)
        return self._reason
