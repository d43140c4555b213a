"""The node's own signing journal: slashing protection for a bridge signer.

A local SQLite file on the node's disk (never the shared database) maps each source event
(a Pocket deposit, an Ethereum burn log) to the hash of the one payload this node signed for
it. The node records the payload hash *before* it signs; it never signs a second, different
payload for the same source event unless the earlier payload has been proven dead on chain
(``retire``). Re-signing the very same payload is allowed (it adds nothing new). The binding
holds both ways, for ever: a payload signed for one source event is never signed for another
(two deposits of one amount to one recipient would otherwise share one MintData, and one mint
would seem to pay both), and ``event_of`` tells which event a payload was signed for.

The journal also keeps the signed order itself (``live_order``): whether a payload is dead is
decided from the chain and this copy, never from an order the shared database hands back.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from wpokt_node.errors import SigningError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signed_payloads (
    source_event TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    description TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    retired_at TEXT,
    retired_reason TEXT,
    PRIMARY KEY (source_event, payload_hash)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_live_payload_per_event
    ON signed_payloads (source_event) WHERE retired_at IS NULL;
CREATE INDEX IF NOT EXISTS payload_events ON signed_payloads (payload_hash);
"""
EXPORT_KIND = "wpokt-signing-journal"
_EXPORTED = (
    "source_event", "payload_hash", "description", "signed_at", "retired_at", "retired_reason",
    "payload_order",
)  # fmt: skip
_NODE_ID = "SELECT value FROM journal_meta WHERE key = 'node_id'"
_EXPORT = (
    "SELECT source_event, payload_hash, description, signed_at, retired_at, retired_reason, "
    "payload_order FROM signed_payloads ORDER BY signed_at"
)
_IMPORT = (
    "INSERT INTO signed_payloads (source_event, payload_hash, description, signed_at, "
    "retired_at, retired_reason, payload_order) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# Journals written before the order was kept gain the column; their old rows have none.
_ORDER_COLUMN = "ALTER TABLE signed_payloads ADD COLUMN payload_order TEXT"


class Decision(StrEnum):
    FIRST_SIGNATURE = "first_signature"
    SAME_PAYLOAD = "same_payload"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class JournalVerdict:
    decision: Decision
    live_payload_hash: str | None
    other_event: str | None = None  # REFUSED: the payload was signed for this other event

    @property
    def may_sign(self) -> bool:
        return self.decision is not Decision.REFUSED


def _import_row(payload: object) -> tuple[Any, ...]:
    """One exported row, checked: a live/retired flag that is exactly NULL or a timestamp, an
    order that is NULL or JSON of an object. Anything else refuses the whole import."""
    if not isinstance(payload, dict):
        raise SigningError("the exported journal holds a row that is not an object")
    row = tuple(payload.get(column) for column in _EXPORTED)
    event, payload_hash, description, signed_at, retired_at, retired_reason, order = row
    if not all(isinstance(v, str) and v for v in (event, payload_hash, signed_at)):
        raise SigningError("an exported row lacks its event, payload hash or time")
    if not isinstance(description, str):
        raise SigningError(f"exported row {event}: description is not text")
    retired = (retired_at, retired_reason)
    if retired != (None, None) and not all(isinstance(v, str) and v for v in retired):
        raise SigningError(f"exported row {event}: retired_at/retired_reason malformed")
    if order is not None:
        try:
            parsed = json.loads(order) if isinstance(order, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise SigningError(f"exported row {event}: its order is not a JSON object")
    return row


class SigningJournal:
    """Thread-safe, crash-safe journal; every write is committed with synchronous=FULL."""

    def __init__(self, path: str | Path, *, node_id: str) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._add_order_column()
        self._bind_node(node_id)

    def _add_order_column(self) -> None:
        """Upgrade a journal from before kept orders (once, whichever process opens it first)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            table = self._conn.execute("PRAGMA table_info(signed_payloads)").fetchall()
            if "payload_order" not in {row[1] for row in table}:
                self._conn.execute(_ORDER_COLUMN)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _bind_node(self, node_id: str) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT value FROM journal_meta WHERE key = 'node_id'"
                ).fetchone()
                if row is None:
                    self._conn.execute(
                        "INSERT INTO journal_meta (key, value) VALUES ('node_id', ?)", (node_id,)
                    )
                elif row[0] != node_id:
                    raise SigningError(
                        f"signing journal {self._path} belongs to node {row[0]!r}, "
                        f"not {node_id!r}; refusing to use another node's journal"
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def authorize(
        self,
        source_event: str,
        payload_hash: str,
        description: str,
        order: Mapping[str, Any] | None = None,
    ) -> JournalVerdict:
        """Record the intent to sign ``payload_hash`` (the hash of ``order``) for
        ``source_event``, or refuse.

        Call this before signing; sign only if ``verdict.may_sign``.
        """
        now = datetime.now(UTC).isoformat()
        kept = None if order is None else json.dumps(order, sort_keys=True, separators=(",", ":"))
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                other = self._conn.execute(
                    "SELECT source_event FROM signed_payloads "
                    "WHERE payload_hash = ? AND source_event != ? LIMIT 1",
                    (payload_hash, source_event),
                ).fetchone()
                row = self._conn.execute(
                    "SELECT payload_hash FROM signed_payloads "
                    "WHERE source_event = ? AND retired_at IS NULL",
                    (source_event,),
                ).fetchone()
                if other is not None:
                    self._conn.execute("COMMIT")
                    live = None if row is None else str(row[0])
                    return JournalVerdict(Decision.REFUSED, live, other_event=str(other[0]))
                if row is None:
                    retired = self._conn.execute(
                        "SELECT 1 FROM signed_payloads WHERE source_event = ? AND payload_hash = ?",
                        (source_event, payload_hash),
                    ).fetchone()
                    if retired is not None:
                        # A payload proven dead never comes back to life.
                        self._conn.execute("COMMIT")
                        return JournalVerdict(Decision.REFUSED, None)
                    self._conn.execute(
                        "INSERT INTO signed_payloads (source_event, payload_hash, description, "
                        "signed_at, payload_order) VALUES (?, ?, ?, ?, ?)",
                        (source_event, payload_hash, description, now, kept),
                    )
                    self._conn.execute("COMMIT")
                    return JournalVerdict(Decision.FIRST_SIGNATURE, payload_hash)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        live = str(row[0])
        if live == payload_hash:
            return JournalVerdict(Decision.SAME_PAYLOAD, live)
        return JournalVerdict(Decision.REFUSED, live)

    def retire(self, source_event: str, payload_hash: str, reason: str) -> bool:
        """Mark a payload dead (the chain proves it can never execute); True if it was live."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE signed_payloads SET retired_at = ?, retired_reason = ? "
                "WHERE source_event = ? AND payload_hash = ? AND retired_at IS NULL",
                (now, reason, source_event, payload_hash),
            )
            return cursor.rowcount == 1

    def event_of(self, payload_hash: str) -> str | None:
        """The source event this node signed ``payload_hash`` for (live or retired), or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT source_event FROM signed_payloads WHERE payload_hash = ? LIMIT 1",
                (payload_hash,),
            ).fetchone()
        return None if row is None else str(row[0])

    def live_payload(self, source_event: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT payload_hash FROM signed_payloads "
                "WHERE source_event = ? AND retired_at IS NULL",
                (source_event,),
            ).fetchone()
        return None if row is None else str(row[0])

    def live_order(self, source_event: str) -> Mapping[str, Any] | None:
        """The order behind the live payload of ``source_event``, as this node signed it
        (None if none is live, or the row predates kept orders)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT payload_order FROM signed_payloads "
                "WHERE source_event = ? AND retired_at IS NULL",
                (source_event,),
            ).fetchone()
        if row is None or row[0] is None:
            return None
        order = json.loads(row[0])
        return order if isinstance(order, dict) else None

    def live_orders(self) -> list[tuple[str, Mapping[str, Any]]]:
        """(source event, order) of every live payload whose order is kept."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT source_event, payload_order FROM signed_payloads "
                "WHERE retired_at IS NULL AND payload_order IS NOT NULL"
            ).fetchall()
        orders = [(str(event), json.loads(order)) for event, order in rows]
        return [(event, order) for event, order in orders if isinstance(order, dict)]

    @property
    def node_id(self) -> str:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM journal_meta WHERE key = 'node_id'"
            ).fetchone()
        return str(row[0])

    def payload_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM signed_payloads").fetchone()[0])

    def events(self) -> set[str]:
        """Every source event this node signed for, live or retired."""
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT source_event FROM signed_payloads")
            return {str(row[0]) for row in rows.fetchall()}

    def export_document(self) -> dict[str, Any]:
        """Everything the journal holds, as plain JSON (``import_document`` reads it back)."""
        with self._lock:
            rows = self._conn.execute(_EXPORT).fetchall()
        payloads = [dict(zip(_EXPORTED, row, strict=True)) for row in rows]
        return {"kind": EXPORT_KIND, "node_id": self.node_id, "payloads": payloads}

    def import_document(self, document: Mapping[str, Any]) -> int:
        """Load an exported journal into this one, which must be empty and this node's; the
        number of payloads loaded. All or nothing."""
        if not isinstance(document, Mapping) or document.get("kind") != EXPORT_KIND:
            raise SigningError("not an exported signing journal")
        if document.get("node_id") != self.node_id:
            raise SigningError(
                f"the exported journal is node {document.get('node_id')!r}'s, "
                f"not {self.node_id!r}: refusing another node's journal"
            )
        payloads = document.get("payloads")
        if not isinstance(payloads, list):
            raise SigningError("the exported journal holds no payload list")
        rows = [_import_row(payload) for payload in payloads]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                held = self._conn.execute("SELECT COUNT(*) FROM signed_payloads").fetchone()[0]
                if held:
                    raise SigningError(
                        f"the journal already holds {held} payloads: import only into an empty one"
                    )
                self._conn.executemany(_IMPORT, rows)
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise SigningError(f"the exported journal does not load: {exc}") from None
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return len(rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SigningJournal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
