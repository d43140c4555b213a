"""The payout state machine: moves every entry of its collections through
``detected -> confirmed -> started -> signed -> executed`` (or ``failed``) with a custody back end.

One pass handles, in this order, at most ``batch_size`` entries of each status:

- ``detected``: the custody re-reads the source event on this node's RPC; at the required depth
  -> ``confirmed``; fields edited in the database are restored from the chain; a source event
  the chain proves absent -> ``failed`` (``source gone: ...``, which a re-scan may revive).
- ``confirmed``: the source is re-read again (the database is not trusted), then, past the
  gates (daily cap ...), the custody allocates the nonce/sequence and the order is stored ->
  ``started``, before anyone signs (record the intent before the side effect). An entry the
  back end can never pay (amount not above the fee) -> ``failed``.
- ``started``: if the chain already used the payload's number, re-prepare a dead payload or
  promote an executed one; record ``executed`` when this node's journal holds an earlier
  payload for the event that the chain shows executed; retire journal payloads proven dead;
  wait behind a gap in the numbers (an unsigned entry above a free gap takes it); the signing
  rule (``payout.signing``); where this node refuses, repair from the chain
  (``payout.repair``); -> ``signed`` at ``threshold`` valid signatures.
- ``signed``: the outcome read from the chain, and the executor's move (``payout.execution``).
- ``executed`` claims offered by the re-scans (``payout.claims``): re-opened unless the chain
  shows the payout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings, WorkerSettings
from wpokt_node.custody.base import (
    Custody,
    OutcomeKind,
    RebuildMismatchError,
    SourceState,
    UnpayableError,
)
from wpokt_node.db import leases
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import Status
from wpokt_node.db.transitions import record_confirmations
from wpokt_node.errors import NotReadyError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.payout.claims import ClaimQueue, audit_offered
from wpokt_node.payout.entries import EntryStore
from wpokt_node.payout.execution import SignedEntries, fail, move
from wpokt_node.payout.gates import OPEN, Gates
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.pause import PassPause
from wpokt_node.payout.repair import (
    SOURCE_GONE,
    below_gap,
    journal_payload_landed,
    paid_elsewhere,
    reprepare,
    restore,
    restore_order,
)
from wpokt_node.payout.signing import (
    Signer,
    SignStep,
    own_order,
    promote_if_signed,
    record_refusal,
    retire_proven_dead,
    sign_entry,
)
from wpokt_node.payout.steps import run_entry_step

log = get_logger(__name__)

Document = dict[str, Any]
_NUMBER_NAMES = {
    "nonce": "nonce",
    "sequence": "vault sequence",
    "proposal_id": "proposal",
    "attempt": "Copper order, attempt",
}


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class MachineSettings:
    node_id: str
    threshold: int
    batch_size: int
    lease_ttl_s: float
    executor_lease: str

    @classmethod
    def of(cls, settings: Settings, worker: WorkerSettings, executor_lease: str) -> MachineSettings:
        return cls(
            node_id=settings.node_id,
            threshold=settings.cluster.threshold,
            batch_size=worker.batch_size,
            lease_ttl_s=settings.workers.lease_ttl_s,
            executor_lease=executor_lease,
        )


class PayoutMachine:
    """One worker's state machine over ``custodies`` (collection -> its custody back end)."""

    def __init__(
        self,
        *,
        db: Database[Document],
        journal: SigningJournal,
        custodies: Mapping[str, Custody],
        settings: MachineSettings,
        paused: Callable[[], str | None],
        gates: Gates = OPEN,
        claims: ClaimQueue | None = None,
    ) -> None:
        self.db = db
        self.journal = journal
        self.custodies = dict(custodies)
        self.settings = settings
        self.paused = PassPause(paused)
        self.gates = gates
        self.claims = claims
        self.store = EntryStore(db, self.custodies, settings.batch_size)

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    def run_once(self) -> dict[str, object]:
        summary: dict[str, int] = {}
        self.paused.new_pass()
        # A status is read when an entry had it at the start of the pass, or when an earlier
        # status had entries (moved on in this pass, they are worked again at once).
        present = self.store.statuses_present()
        moved_on = False
        for status, step in (
            (Status.DETECTED, self._detected),
            (Status.CONFIRMED, self._start),
            (Status.STARTED, self._sign),
        ):
            if status not in present and not moved_on:
                continue
            found = self.store.open(status)
            moved_on = moved_on or bool(found)
            for collection, document in found:
                self._guarded(summary, collection, document, step)
        signed = self.store.open_signed() if Status.SIGNED in present or moved_on else []
        # The executor lease is taken (or renewed) only by a node with signed entries to move
        # that may send them: a paused or held node gives it up, or it would stall every payout.
        paused = self.paused() if signed else None
        if paused is not None:
            leases.release(self.db, self.settings.executor_lease, self.node_id)
        is_executor = (
            bool(signed)
            and paused is None
            and leases.acquire(
                self.db, self.settings.executor_lease, self.node_id, self.settings.lease_ttl_s
            )
        )
        summary["executor"] = int(is_executor)
        signed_step = SignedEntries(
            self.custodies,
            self.store,
            self.gates,
            self.paused,
            self._signer,
            self.settings.threshold,
        ).step
        summary["open"] = int(bool(present or moved_on or signed))  # else idle (node.activity)
        for collection, document in signed:
            self._guarded(summary, collection, document, lambda e: signed_step(e, is_executor))
        self._audit_claims(summary)
        return dict(summary)

    def _audit_claims(self, summary: dict[str, int]) -> None:
        """Executed entries the re-scans offered: believed only if the chain shows them."""
        if self.claims is not None:
            step = partial(self._guarded, summary)
            audit_offered(self.claims, self.store, self.custodies, self._signer(), step)

    def _guarded(
        self,
        summary: dict[str, int],
        collection: str,
        document: Document,
        step: Callable[[Entry], str],
    ) -> None:
        """Run one entry's step; one bad entry never stops the pass."""

        def run() -> str:
            try:
                entry = Entry.from_document(collection, document)
            except ValidationError as malformed:
                # Left as it is, visibly: an entry the database garbled is never failed on that
                # ground alone (docs/security.md: the database is not trusted).
                log.error(
                    "malformed entry",
                    alert=True,
                    collection=collection,
                    entry_id=str(document.get("_id")),
                    reason=str(malformed),
                )
                return "malformed"
            return step(entry)

        run_entry_step(
            summary, document.get("_id"), run, what=collection, status=document.get("status")
        )

    # -- shared transitions ---------------------------------------------------------------------

    def _move(
        self, entry: Entry, to: Status, reason: str, fields: Mapping[str, Any] | None = None
    ) -> bool:
        return move(self._signer(), entry, to, reason, fields)

    def _fail(self, entry: Entry, expected: Status, error: str) -> str:
        return fail(self._signer(), entry, expected, error)

    def _signer(self, *, to_sign: bool = False) -> Signer:
        """This node's signing-rule parameters; ``to_sign`` reads the pause (afresh in each
        pass, then at most a second old: ``PassPause``), which only signing needs."""
        return Signer(
            db=self.db,
            journal=self.journal,
            node_id=self.node_id,
            threshold=self.settings.threshold,
            paused=to_sign and self.paused() is not None,
        )

    # -- detected -------------------------------------------------------------------------------

    def _detected(self, entry: Entry) -> str:
        check = self.custodies[entry.collection].check_source(entry)
        if check.state is SourceState.GONE:
            return self._fail(entry, Status.DETECTED, SOURCE_GONE + check.reason)
        if check.state is SourceState.NOT_YET:
            return "waiting"
        return record_confirmations(
            self.db, entry.collection, entry.id,
            confirmed=check.confirmed, fields=check.fields, node_id=self.node_id,
        )  # fmt: skip

    # -- confirmed ------------------------------------------------------------------------------

    def _start(self, entry: Entry) -> str:
        custody = self.custodies[entry.collection]
        check = custody.check_source(entry)  # the database is not trusted: nor is "confirmed"
        if check.state is SourceState.GONE:
            return self._fail(entry, Status.CONFIRMED, SOURCE_GONE + check.reason)
        if "repaired" in check.fields:
            return restore(self._signer(), entry, check.fields, "source fields")
        if check.state is SourceState.NOT_YET or not check.confirmed:
            return "waiting"
        with self.gates.admit_start(entry) as hold:
            if hold is not None:
                self.store.hold(entry, hold)
                return f"held_{hold.code}"
            try:
                prepared = custody.prepare(entry)
            except UnpayableError as unpayable:
                return self._fail(entry, Status.CONFIRMED, str(unpayable))
            number_field = custody.number_field
            moved = self._move(
                entry,
                Status.STARTED,
                f"{_NUMBER_NAMES[number_field]} {prepared.number}",
                {
                    "order": prepared.order,
                    number_field: prepared.number,
                    "started_at_ms": _now_ms(),
                    "held": None,
                    "held_detail": None,
                },
            )
        return "started" if moved else "race_lost"

    # -- started --------------------------------------------------------------------------------

    def _sign(self, entry: Entry) -> str:
        order = entry.order
        if order is None:
            log.error("started entry without an order", alert=True, entry_id=str(entry.id))
            return "invalid"
        custody = self.custodies[entry.collection]
        settled = self._settled(entry, order)
        if settled is None:
            settled = journal_payload_landed(self._signer(), custody, entry)
        if settled is not None:
            return settled
        retire_proven_dead(self.journal, custody, entry)
        held = self._gate_sign(entry)
        if held is not None:
            return held
        if not entry.signed_by(self.node_id):
            gap = custody.gap_below(entry)
            if gap is not None:
                return below_gap(self._signer(), custody, entry, gap)
        step, rebuilt = sign_entry(self._signer(to_sign=True), custody, entry)
        if step is SignStep.REFUSED:
            return self._refused(entry, rebuilt) or step.value
        return self._promote(entry, rebuilt) or step.value

    def _refused(self, entry: Entry, rebuilt: Mapping[str, Any] | None) -> str | None:
        """This node would not sign: fail an entry whose source event the chain proves absent,
        restore source fields edited in the database, and an order that is not this node's
        rebuild for the entry's number."""
        custody = self.custodies[entry.collection]
        check = custody.check_source(entry)
        if check.state is SourceState.GONE:
            return self._fail(entry, Status.STARTED, SOURCE_GONE + check.reason)
        if "repaired" in check.fields:
            return restore(self._signer(), entry, check.fields, "source fields")
        if rebuilt is not None:
            return restore_order(self._signer(), custody, entry, rebuilt)
        return None

    def _settled(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        """A started entry whose number the chain has already used: re-prepare a dead payload,
        promote an executed one. None when the chain has not decided."""
        custody = self.custodies[entry.collection]
        try:
            decided = custody.decided(entry, order)
        except ValidationError as exc:
            record_refusal(
                self.db,
                entry,
                self.node_id,
                f"stored order is malformed: {exc}",
                kind="malformed_order",
            )
            try:
                rebuilt = custody.rebuild(entry)
            except (RebuildMismatchError, NotReadyError):
                rebuilt = None
            return self._refused(entry, rebuilt) or "invalid"
        if decided is not None and decided.kind is OutcomeKind.FAILED:
            return self._fail(entry, Status.STARTED, decided.detail)  # no signature can pay it
        if decided is None or decided.kind not in (OutcomeKind.DEAD, OutcomeKind.EXECUTED):
            return None
        if decided.kind is OutcomeKind.DEAD:
            return self._reprepare(entry, decided.detail)
        elsewhere = self._paid_elsewhere(entry, order)
        if elsewhere is not None:
            return elsewhere
        # Someone assembled it from the stored signatures: each was made by a node that
        # rebuilt this order, so at the threshold it is signed (and executed).
        promoted = promote_if_signed(self._signer(), custody, entry, order)
        return "signed" if promoted else None  # short of T (e.g. a validator removed): sign

    def _gate_sign(self, entry: Entry) -> str | None:
        if entry.signed_by(self.node_id):
            return None
        hold = self.gates.admit_sign(entry)
        if hold is not None or entry.held is not None:
            self.store.hold(entry, hold)
        return None if hold is None else f"held_{hold.code}"

    def _promote(self, entry: Entry, rebuilt: Mapping[str, Any] | None) -> str | None:
        """After this node's signing step: ``signed`` once the threshold of valid signatures
        over this node's own order is on the entry."""
        fresh = self.store.reload(entry)
        if fresh is None or fresh.status is not Status.STARTED:
            return None
        custody = self.custodies[entry.collection]
        mine = rebuilt if rebuilt is not None else own_order(self.journal, custody, fresh)
        if mine is None or mine != fresh.order:
            return None
        custody = self.custodies[entry.collection]
        return "signed" if promote_if_signed(self._signer(), custody, fresh, mine) else None

    def _paid_elsewhere(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        custody = self.custodies[entry.collection]
        return paid_elsewhere(self._signer(), custody, entry, order)

    def _reprepare(self, entry: Entry, reason: str) -> str:
        """The chain proved the payload dead: back to ``confirmed`` for a new number."""
        custody = self.custodies[entry.collection]
        return reprepare(self._signer(), custody, entry, reason, proven_dead=True)
