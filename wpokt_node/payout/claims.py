"""An ``executed`` entry is believed only when the chain shows its payout.

The shared database is not trusted: a writer can mark a real deposit's or burn's entry
``executed`` before it is paid, and the payout machine never looks at an executed entry again.
So the watchers' re-scan windows, which find each source event's entry by its unique key, offer
every executed entry they meet to a ``ClaimQueue``: a table in the node's own journal file (its
local disk, not the database), read by the payout machine of the same node. The machine checks
each claim against the chain and its journal (``audit_claim``) and, where the chain does not
show this entry's payout, re-opens the entry: ``executed -> signed`` with the order its number
implies, or ``executed -> confirmed`` without one. From there the ordinary steps decide from
the chain; a payout that really ran is recorded executed again, and the signing journal keeps
any new payload from being signed by a node that signed the one that ran.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from bson import ObjectId

from wpokt_node.custody.base import Custody, OutcomeKind, RebuildMismatchError, SourceState
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import Status
from wpokt_node.db.transitions import transition
from wpokt_node.errors import NotReadyError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.payout.entries import EntryStore
from wpokt_node.payout.signing import Signer

log = get_logger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims_to_check (
    collection TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    execution_tx_hash TEXT NOT NULL,
    offered_at TEXT NOT NULL,
    PRIMARY KEY (collection, entry_id)
);
CREATE TABLE IF NOT EXISTS claims_checked (
    collection TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    execution_tx_hash TEXT NOT NULL,
    verdict TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (collection, entry_id, execution_tx_hash)
);
"""


class Verdict(StrEnum):
    BELIEVED = "believed"  # the chain shows this entry's payout
    DEFERRED = "deferred"  # paid on chain; only a node that signed it can tell for which event
    LATER = "later"  # not decided now (this node's RPC lags, a race): offered again later
    REOPENED = "reopened"  # the chain does not show it: back into the payout machine


@dataclass(frozen=True, slots=True)
class Claim:
    collection: str
    entry_id: str
    execution_tx_hash: str

    @property
    def document_id(self) -> object:
        return ObjectId(self.entry_id) if ObjectId.is_valid(self.entry_id) else self.entry_id


class ClaimQueue:
    """The node-local queue between the watchers (which offer) and the machine (which checks).
    A claim checked once is not offered again while its execution tx hash stays the same."""

    def __init__(self, path: str | Path) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            Path(path), isolation_level=None, check_same_thread=False, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def offer(self, collection: str, entry_id: object, execution_tx_hash: object) -> bool:
        """Queue an executed entry for a check; False if it was checked (or queued) already."""
        claim = (collection, str(entry_id), str(execution_tx_hash or ""))
        now = datetime.now(UTC).isoformat()
        with self._lock:
            checked = self._conn.execute(
                "SELECT 1 FROM claims_checked WHERE collection = ? AND entry_id = ? "
                "AND execution_tx_hash = ?",
                claim,
            ).fetchone()
            if checked is not None:
                return False
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO claims_to_check VALUES (?, ?, ?, ?)", (*claim, now)
            )
            return cursor.rowcount == 1

    def take(self, collections: Iterable[str], limit: int) -> list[Claim]:
        rows: list[tuple[str, str, str]] = []
        with self._lock:
            for collection in collections:
                rows += self._conn.execute(
                    "SELECT collection, entry_id, execution_tx_hash FROM claims_to_check "
                    "WHERE collection = ? ORDER BY offered_at LIMIT ?",
                    (collection, limit),
                ).fetchall()
        return [Claim(str(c), str(e), str(h)) for c, e, h in rows[:limit]]

    def settle(self, claim: Claim, verdict: Verdict) -> None:
        """Take the claim off the queue; a final verdict is remembered (not offered again)."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "DELETE FROM claims_to_check WHERE collection = ? AND entry_id = ?",
                    (claim.collection, claim.entry_id),
                )
                if verdict in (Verdict.BELIEVED, Verdict.DEFERRED):
                    self._conn.execute(
                        "INSERT OR REPLACE INTO claims_checked VALUES (?, ?, ?, ?, ?)",
                        (claim.collection, claim.entry_id, claim.execution_tx_hash, verdict, now),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()


Step = Callable[[str, dict[str, Any], Callable[[Entry], str]], None]


def audit_offered(
    claims: ClaimQueue,
    store: EntryStore,
    custodies: Mapping[str, Custody],
    signer: Signer,
    step: Step,
) -> None:
    """Check the claims offered for ``custodies``' collections, one pass's batch; ``step`` runs
    each entry's check as the machine runs its steps (one bad entry never stops the pass)."""
    for claim in claims.take(custodies, store.batch_size):
        document = store.read(claim.collection, claim.document_id)
        if document is None or document.get("status") != Status.EXECUTED.value:
            claims.settle(claim, Verdict.LATER)  # offered again if it claims executed again
            continue

        def audit(entry: Entry, claim: Claim = claim) -> str:
            verdict = audit_claim(signer, custodies[entry.collection], entry)
            claims.settle(claim, verdict)
            return f"claim_{verdict.value}"

        step(claim.collection, document, audit)


def audit_claim(signer: Signer, custody: Custody, entry: Entry) -> Verdict:
    """Whether the chain shows the payout that an ``executed`` entry claims, for *this* entry's
    source event; re-opens the entry if it does not."""
    check = custody.check_source(entry)
    if check.state is not SourceState.FOUND:
        return Verdict.LATER  # the re-scan saw the source on chain: this node's RPC lags
    if "repaired" in check.fields or entry.order is None:
        return _reopen(signer, custody, entry, check.fields, "its source or order was edited")
    try:
        verdict, why = _judge(signer, custody, entry, entry.order)
    except ValidationError as exc:
        verdict, why = Verdict.REOPENED, f"its order is malformed: {exc}"
    if verdict is Verdict.REOPENED:
        return _reopen(signer, custody, entry, {}, why)
    return verdict


def _judge(
    signer: Signer, custody: Custody, entry: Entry, order: Mapping[str, Any]
) -> tuple[Verdict, str]:
    outcome = custody.outcome(entry, order)
    if outcome.kind is not OutcomeKind.EXECUTED:  # also a payout not final yet: not executed
        return Verdict.REOPENED, f"the chain does not show it: {outcome.detail}"
    if custody.payload_names_source:
        return Verdict.BELIEVED, outcome.detail
    bound = signer.journal.event_of(custody.payload_hash(order))
    if bound == custody.source_event(entry):
        return Verdict.BELIEVED, outcome.detail
    if bound is None:
        return Verdict.DEFERRED, "only a node that signed the payload knows its event"
    return Verdict.REOPENED, f"the payload on chain pays {bound}"


def _reopen(
    signer: Signer, custody: Custody, entry: Entry, restored: Mapping[str, Any], why: str
) -> Verdict:
    """Back to where the machine continues from the chain: with the order this node rebuilds
    for the entry's number (and the chain's source fields), ``executed -> signed`` if its stored
    approvals reach the threshold (the signed step reads the outcome, executes or re-prepares),
    else ``-> started`` (signed or voted again); ``-> confirmed``, number and order cleared,
    when no order can be rebuilt."""
    log.error(
        "claimed payout not on chain: entry re-opened",
        alert=True,
        collection=entry.collection,
        entry_id=str(entry.id),
        reason=why,
    )
    fields: dict[str, Any] = {k: v for k, v in restored.items() if k != "repaired"}
    # The claimed execution is not on chain: its record goes (a new tx for the same payload is
    # safe, the chain executes one per nonce / sequence).
    fields.update(dict.fromkeys(("execution_tx_hash", *custody.execution_fields)))
    try:
        patched = Entry.from_document(entry.collection, {**entry.document, **fields})
        fields["order"] = dict(custody.rebuild(patched))
        approvals = custody.approvals(fields["order"], patched.signatures)
        target = Status.SIGNED if approvals >= signer.threshold else Status.STARTED
    except (RebuildMismatchError, NotReadyError, ValidationError):
        cleared = ("order", custody.number_field)
        fields.update({**dict.fromkeys(cleared), "refusals": {}})
        target = Status.CONFIRMED
    fields["repaired"] = {"claimed_execution": str(entry.execution_tx_hash)[:100]}
    moved = transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=Status.EXECUTED,
        to=target,
        node_id=signer.node_id,
        reason=f"re-opened: claimed executed, but {why}"[:500],
        set_fields=fields,
    )
    return Verdict.REOPENED if moved is not None else Verdict.LATER
