"""The signed half of the payout state machine, and the transitions both halves make.

A ``signed`` entry's outcome is read from the chain. Any node records ``executed`` or
re-prepares a dead payload (-> ``confirmed``); only the holder of the executor lease acts, not
while paused, and only on the entry whose number is the chain's next one: the execution tx is
recorded on the entry (compare-and-set) before it is broadcast; a pending tx is rebroadcast
with the same bytes; an entry whose approvals no longer reach the threshold goes back to
``started``; an outcome that can never be retried -> ``failed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wpokt_node.custody.base import Custody, Outcome, OutcomeKind
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import Status
from wpokt_node.db.transitions import fail_entry, transition
from wpokt_node.errors import ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.payout.entries import EntryStore
from wpokt_node.payout.gates import Gates
from wpokt_node.payout.pause import PassPause
from wpokt_node.payout.repair import paid_elsewhere, reprepare, resign
from wpokt_node.payout.signing import Signer

log = get_logger(__name__)


def move(
    signer: Signer, entry: Entry, to: Status, reason: str, fields: Mapping[str, Any] | None = None
) -> bool:
    """Move the entry on from the status it was read in; False if another node moved it."""
    moved = transition(
        signer.db,
        entry.collection,
        entry.id,
        expected=entry.status,
        to=to,
        node_id=signer.node_id,
        reason=reason,
        set_fields=fields,
    )
    return moved is not None


def fail(signer: Signer, entry: Entry, expected: Status, error: str) -> str:
    """Fail the entry, with an alert."""
    log.error(
        "payout failed",
        alert=True,
        collection=entry.collection,
        entry_id=str(entry.id),
        error=error,
    )
    moved = fail_entry(
        signer.db,
        entry.collection,
        entry.id,
        expected=expected,
        node_id=signer.node_id,
        error=error,
    )
    return "failed" if moved else "race_lost"


@dataclass(frozen=True, slots=True)
class SignedEntries:
    """One pass's step over signed entries."""

    custodies: Mapping[str, Custody]
    store: EntryStore
    gates: Gates
    paused: PassPause
    signer: Callable[[], Signer]
    threshold: int

    def step(self, entry: Entry, is_executor: bool) -> str:
        custody = self.custodies[entry.collection]
        order = entry.order
        try:
            if order is None:
                raise ValidationError("signed entry has no order")
            outcome = custody.outcome(entry, order)
        except ValidationError:  # order erased or malformed: signed again from the rebuild
            return resign(self.signer(), custody, entry)
        if outcome.kind is OutcomeKind.EXECUTED:
            return self._executed(entry, order, outcome)
        if outcome.kind is OutcomeKind.DEAD:
            return reprepare(self.signer(), custody, entry, outcome.detail, proven_dead=True)
        if not is_executor:
            return "not_executor"
        return self._act(entry, order, outcome)

    def _executed(self, entry: Entry, order: Mapping[str, Any], outcome: Outcome) -> str:
        custody = self.custodies[entry.collection]
        elsewhere = paid_elsewhere(self.signer(), custody, entry, order)
        if elsewhere is not None:
            return elsewhere
        moved = move(
            self.signer(),
            entry,
            Status.EXECUTED,
            outcome.detail,
            {"execution_tx_hash": outcome.tx_hash},
        )
        return "executed" if moved else "race_lost"

    def _act(self, entry: Entry, order: Mapping[str, Any], outcome: Outcome) -> str:
        """The executor's move on a signed entry the chain has not settled."""
        if outcome.kind is OutcomeKind.FAILED:
            return fail(self.signer(), entry, Status.SIGNED, outcome.detail)
        paused = self.paused()
        if paused is not None:
            log.info("payout not sent: paused", entry_id=str(entry.id), why=paused)
            return "paused"
        if outcome.kind is OutcomeKind.NOT_SUBMITTED:
            return self._submit(entry, order, outcome)
        if outcome.on_chain:
            return "pending"

        def record(tx_hash: str, fields: Mapping[str, Any]) -> bool:
            return self.store.record_execution(entry, tx_hash, fields, entry.execution_tx_hash)

        return self.custodies[entry.collection].rebroadcast(entry, record)

    def _submit(self, entry: Entry, order: Mapping[str, Any], outcome: Outcome) -> str:
        custody = self.custodies[entry.collection]
        if custody.approvals(order, entry.signatures) < self.threshold:
            return resign(self.signer(), custody, entry)  # edited: also an out-of-line order
        if not outcome.next_in_line:
            return "waiting_for_earlier"
        hold = self.gates.admit_execute(entry, order)
        if hold is not None or entry.held is not None:
            self.store.hold(entry, hold)
        if hold is not None:
            return f"held_{hold.code}"

        def record(tx_hash: str, fields: Mapping[str, Any]) -> bool:
            return self.store.record_execution(entry, tx_hash, fields, outcome.tx_hash)

        sent = custody.execute(entry, order, entry.signatures, record)
        return "submitted" if sent else "race_lost"
