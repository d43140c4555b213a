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
import time
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

# A claim whose order no node here can restore goes back to ``confirmed`` (a new number) only
# after this long: a node that signed the event's payload restores that order first, if any did
# (the node context sets it from the re-scan intervals).
CLEAR_AFTER_S = 600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims_to_check (
    collection TEXT NOT NULL,
    source_event TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    execution_tx_hash TEXT NOT NULL,
    offered_at TEXT NOT NULL,
    PRIMARY KEY (collection, source_event, entry_id)
);
CREATE TABLE IF NOT EXISTS claims_waiting (
    collection TEXT NOT NULL,
    source_event TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    since REAL NOT NULL,
    PRIMARY KEY (collection, source_event, entry_id)
);
CREATE TABLE IF NOT EXISTS claims_believed (
    collection TEXT NOT NULL,
    source_event TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    execution_tx_hash TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (collection, source_event, entry_id, execution_tx_hash)
);
"""


class Verdict(StrEnum):
    BELIEVED = "believed"  # the chain shows this entry's payout, for its event: not checked again
    DEFERRED = "deferred"  # paid on chain; only a node that signed it can tell for which event
    LATER = "later"  # not decidable now (an RPC lags, not final yet, a race): offered again
    REOPENED = "reopened"  # the chain does not show it: back into the payout machine


def encode_id(entry_id: object) -> str | None:
    """An entry ``_id`` as text that keeps its BSON type (None for a type the queue skips)."""
    if isinstance(entry_id, ObjectId):
        return f"oid:{entry_id}"
    if isinstance(entry_id, str):
        return f"str:{entry_id}"
    if isinstance(entry_id, int) and not isinstance(entry_id, bool):
        return f"int:{entry_id}"
    return None


def decode_id(text: str) -> object:
    kind, _, value = text.partition(":")
    if kind == "oid":
        return ObjectId(value)
    if kind == "int":
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class Claim:
    collection: str
    source_event: str  # the event the re-scan found on chain, whose entry this is
    entry_id: str  # encode_id
    execution_tx_hash: str

    @property
    def document_id(self) -> object:
        return decode_id(self.entry_id)


class ClaimQueue:
    """The node-local queue between the watchers (which offer) and the machine (which checks).
    A claim believed once is not offered again while its source event, entry and execution tx
    hash stay the same; any other verdict lets the next re-scan offer it again."""

    def __init__(self, path: str | Path, *, clear_after_s: float = CLEAR_AFTER_S) -> None:
        self.clear_after_s = clear_after_s
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            Path(path), isolation_level=None, check_same_thread=False, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def offer(
        self, collection: str, source_event: str, entry_id: object, execution_tx_hash: object
    ) -> bool:
        """Queue an executed entry for a check; False if it was believed (or queued) already,
        or its ``_id`` has a type the queue cannot keep (logged)."""
        encoded = encode_id(entry_id)
        if encoded is None:
            log.error("executed entry with an odd _id not checked", alert=True,
                      collection=collection, source_event=source_event)  # fmt: skip
            return False
        claim = (collection, source_event, encoded, str(execution_tx_hash or ""))
        now = datetime.now(UTC).isoformat()
        with self._lock:
            believed = self._conn.execute(
                "SELECT 1 FROM claims_believed WHERE collection = ? AND source_event = ? "
                "AND entry_id = ? AND execution_tx_hash = ?",
                claim,
            ).fetchone()
            if believed is not None:
                return False
            self._conn.execute(
                "INSERT OR IGNORE INTO claims_waiting VALUES (?, ?, ?, ?)",
                (*claim[:3], time.time()),
            )
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO claims_to_check VALUES (?, ?, ?, ?, ?)", (*claim, now)
            )
            return cursor.rowcount == 1

    def waited_s(self, claim: Claim) -> float:
        """How long the claim has been offered without being believed or re-opened."""
        with self._lock:
            row = self._conn.execute(
                "SELECT since FROM claims_waiting WHERE collection = ? AND source_event = ? "
                "AND entry_id = ?",
                (claim.collection, claim.source_event, claim.entry_id),
            ).fetchone()
        return 0.0 if row is None else max(time.time() - float(row[0]), 0.0)

    def take(self, collections: Iterable[str], limit: int) -> list[Claim]:
        rows: list[tuple[str, str, str, str]] = []
        with self._lock:
            for collection in collections:
                rows += self._conn.execute(
                    "SELECT collection, source_event, entry_id, execution_tx_hash "
                    "FROM claims_to_check WHERE collection = ? ORDER BY offered_at LIMIT ?",
                    (collection, limit),
                ).fetchall()
        return [Claim(str(c), str(s), str(e), str(h)) for c, s, e, h in rows[:limit]]

    def settle(self, claim: Claim, verdict: Verdict) -> None:
        """Take the claim off the queue; a believed one is remembered (not offered again)."""
        now = datetime.now(UTC).isoformat()
        key = (claim.collection, claim.source_event, claim.entry_id)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "DELETE FROM claims_to_check WHERE collection = ? AND source_event = ? "
                    "AND entry_id = ?",
                    key,
                )
                if verdict in (Verdict.BELIEVED, Verdict.REOPENED):
                    self._conn.execute(
                        "DELETE FROM claims_waiting WHERE collection = ? AND source_event = ? "
                        "AND entry_id = ?",
                        key,
                    )
                if verdict is Verdict.BELIEVED:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO claims_believed VALUES (?, ?, ?, ?, ?)",
                        (*key, claim.execution_tx_hash, now),
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
    each entry's check as the machine runs its steps (one bad entry never stops the pass).
    Every claim taken is settled, also one whose entry cannot be read, so none holds the head
    of the queue."""
    for claim in claims.take(custodies, store.batch_size):
        verdict = _audit_one(
            claim, claims=claims, store=store, custodies=custodies, signer=signer, step=step
        )
        claims.settle(claim, verdict)


def _audit_one(
    claim: Claim,
    *,
    claims: ClaimQueue,
    store: EntryStore,
    custodies: Mapping[str, Custody],
    signer: Signer,
    step: Step,
) -> Verdict:
    document = store.read(claim.collection, claim.document_id)
    if document is None or document.get("status") != Status.EXECUTED.value:
        return Verdict.LATER  # offered again if it claims executed again
    verdicts: list[Verdict] = []

    def audit(entry: Entry) -> str:
        custody = custodies[entry.collection]
        if custody.source_event(entry) != claim.source_event:
            verdicts.append(Verdict.LATER)  # the entry changed since it was offered
        else:
            waited = claims.waited_s(claim) >= claims.clear_after_s
            verdicts.append(audit_claim(signer, custody, entry, may_clear=waited))
        return f"claim_{verdicts[-1].value}"

    step(claim.collection, document, audit)
    return verdicts[-1] if verdicts else Verdict.LATER  # unreadable: never holds the queue


@dataclass(frozen=True, slots=True)
class _Reopen:
    why: str
    restored: Mapping[str, Any]
    spent: bool = False  # the payload is proven dead or paid another event: a new number
    keep_number: bool = False  # the payout may still land (pending): never a new number


def audit_claim(signer: Signer, custody: Custody, entry: Entry, *, may_clear: bool) -> Verdict:
    """Whether the chain shows the payout that an ``executed`` entry claims, for *this* entry's
    source event; re-opens the entry if it shows that it did not happen. ``may_clear``: the
    claim has waited long enough for a node that signed its payload to restore the order."""
    check = custody.check_source(entry)
    if check.state is not SourceState.FOUND:
        return Verdict.LATER  # the re-scan saw the source on chain: this node's RPC lags
    own = signer.journal.live_order(custody.source_event(entry))
    if own is not None and _outcome(custody, entry, own) is OutcomeKind.EXECUTED:
        return Verdict.BELIEVED  # the payload this node signed for this very event ran
    decided = _judge(signer, custody, entry, check.fields)
    if not isinstance(decided, _Reopen):
        return decided
    may_clear = may_clear and not decided.keep_number
    verdict = _reopen(signer, custody, entry, own, decided, may_clear=may_clear)
    if verdict is Verdict.LATER:
        log.warning("claimed payout not on chain: waiting for a node that signed it",
                    entry_id=str(entry.id), reason=decided.why)  # fmt: skip
    return verdict


def _judge(
    signer: Signer, custody: Custody, entry: Entry, source: Mapping[str, Any]
) -> Verdict | _Reopen:
    order = entry.order
    if "repaired" in source or order is None or not custody.pays_source(entry, order):
        return _Reopen("its source or order was edited", source)
    kind = _outcome(custody, entry, order)
    if kind is None:
        return Verdict.LATER
    if kind is OutcomeKind.PENDING:  # voting, in flight, not final, or not visible here yet
        return _Reopen("the chain shows it pending", {}, keep_number=True)
    if kind is not OutcomeKind.EXECUTED:
        return _Reopen(f"the chain shows it {kind.value}", {}, spent=kind is OutcomeKind.DEAD)
    return _whose_payout(signer, custody, entry, order)


def _whose_payout(
    signer: Signer, custody: Custody, entry: Entry, order: Mapping[str, Any]
) -> Verdict | _Reopen:
    """The payload ran: for this entry's event (a release names it; a MintData is bound to one
    event in the journals of the nodes that signed it)?"""
    if custody.payload_names_source:
        return Verdict.BELIEVED
    bound = signer.journal.event_of(custody.payload_hash(order))
    if bound == custody.source_event(entry):
        return Verdict.BELIEVED
    if bound is None:
        return Verdict.DEFERRED  # only a node that signed the payload knows its event
    return _Reopen(f"the payload on chain pays {bound}", {}, spent=True)


def _outcome(custody: Custody, entry: Entry, order: Mapping[str, Any]) -> OutcomeKind | None:
    try:
        return custody.outcome(entry, order).kind
    except ValidationError:
        return None


def _reopen(
    signer: Signer,
    custody: Custody,
    entry: Entry,
    own: Mapping[str, Any] | None,
    reopen: _Reopen,
    *,
    may_clear: bool,
) -> Verdict:
    """Back to where the machine continues from the chain, the execution record cleared (a new
    tx for the same payload is safe: the chain executes one per nonce / sequence / proposal):
    with the order this node signed for the event, or else rebuilds for the entry's number (and
    the chain's source fields), ``executed -> signed`` if its stored approvals reach the
    threshold, else ``-> started``. ``-> confirmed`` (number and order cleared) when the payload
    is spent, or when no order can be restored and ``may_clear`` (the claim has waited long
    enough for a node that signed it to restore it); otherwise ``LATER``."""
    fields: dict[str, Any] = {k: v for k, v in reopen.restored.items() if k != "repaired"}
    fields.update(dict.fromkeys(("execution_tx_hash", *custody.execution_fields)))
    target = None if reopen.spent else _restored_order(signer, custody, entry, fields, own)
    if target is None:
        if not (reopen.spent or may_clear):
            return Verdict.LATER
        fields.update({**dict.fromkeys(("order", custody.number_field)), "refusals": {}})
        target = Status.CONFIRMED
    fields["repaired"] = {"claimed_execution": str(entry.execution_tx_hash)[:100]}
    log.error("claimed payout not on chain: entry re-opened", alert=True,
              collection=entry.collection, entry_id=str(entry.id), reason=reopen.why,
              to=target.value)  # fmt: skip
    moved = transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=Status.EXECUTED,
        to=target,
        node_id=signer.node_id,
        reason=f"re-opened: claimed executed, but {reopen.why}"[:500],
        set_fields=fields,
    )
    return Verdict.REOPENED if moved is not None else Verdict.LATER


def _restored_order(
    signer: Signer,
    custody: Custody,
    entry: Entry,
    fields: dict[str, Any],
    own: Mapping[str, Any] | None,
) -> Status | None:
    """Put the order to continue with into ``fields``; the status to continue in, or None."""
    if own is not None and own.get(custody.number_field) is not None:
        fields.update({"order": dict(own), custody.number_field: own[custody.number_field]})
    try:
        patched = Entry.from_document(entry.collection, {**entry.document, **fields})
        order = dict(own) if own is not None else dict(custody.rebuild(patched))
        approvals = custody.approvals(order, patched.signatures)
    except (RebuildMismatchError, NotReadyError, ValidationError):
        return None
    fields["order"] = order
    return Status.SIGNED if approvals >= signer.threshold else Status.STARTED
