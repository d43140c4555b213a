"""A stand-in custody back end over an in-memory chain, to test the payout state machine alone.

The chain accepts payloads at consecutive numbers (like a nonce or a vault sequence): a
payload submitted at the chain's next number lands when the test calls ``mine``; ``use`` lets
something else take a number (the payload that held it is then provably dead).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wpokt_node.custody.base import (
    Gap,
    Outcome,
    OutcomeKind,
    Prepared,
    RebuildMismatchError,
    RecordExecution,
    SourceCheck,
    SourceState,
    UnpayableError,
)
from wpokt_node.db.models import Entry, RetiredOrder, SignatureRecord

FEE = 10


def payload_hash(order: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(order), sort_keys=True).encode()).hexdigest()


@dataclass
class StandInChain:
    """The one chain every node's custody reads: sources, numbers, submitted and landed txs."""

    members: frozenset[str]
    threshold: int
    sources: dict[str, SourceCheck] = field(default_factory=dict)
    next_number: int = 1
    allocated: int = 0
    submitted: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # tx hash -> order
    landed: dict[int, str] = field(default_factory=dict)  # number -> payload hash
    tx_of: dict[int, str] = field(default_factory=dict)  # number -> landed tx hash

    def mine(self) -> None:
        """Land every submitted payload whose number is the chain's next one, in order."""
        progressed = True
        while progressed:
            progressed = False
            for tx_hash, order in list(self.submitted.items()):
                if order["number"] == self.next_number:
                    self.landed[self.next_number] = payload_hash(order)
                    self.tx_of[self.next_number] = tx_hash
                    self.next_number += 1
                    progressed = True

    def use(self, number: int) -> None:
        """Something else consumes ``number`` (the next one)."""
        assert number == self.next_number
        self.landed[number] = "someone else"
        self.tx_of[number] = "other-tx"
        self.next_number += 1


class StandInCustody:
    """``Custody`` of one node over a ``StandInChain``; ``disagree`` makes its rebuild differ."""

    execution_fields = ("execution_note",)
    number_field = "sequence"
    payload_names_source = False

    def __init__(self, chain: StandInChain, node_id: str) -> None:
        self.chain = chain
        self.node_id = node_id
        self.disagree = False
        self.broadcasts = 0
        self.gap: Gap | None = None  # a gap below every number above it
        self.wait: str | None = None  # why this node must not sign yet (sign_wait)
        self.ended: str | None = None  # the custodian ended the payload: nothing can pay it

    def source_event(self, entry: Entry) -> str:
        return f"stand-in:{entry.transaction_hash}"

    def pays_source(self, entry: Entry, order: Mapping[str, Any]) -> bool:
        return order.get("amount") == str(entry.amount - FEE) and order.get("to") == (
            entry.to_address
        )

    def check_source(self, entry: Entry) -> SourceCheck:
        return self.chain.sources.get(
            entry.transaction_hash, SourceCheck(SourceState.NOT_YET, reason="unknown")
        )

    def _order(self, entry: Entry, number: int) -> dict[str, Any]:
        if entry.amount <= FEE:
            raise UnpayableError("amount_not_above_fee")
        return {"to": entry.to_address, "amount": str(entry.amount - FEE), "number": number}

    def prepare(self, entry: Entry) -> Prepared:
        self._order(entry, 0)
        self.chain.allocated = max(self.chain.allocated, self.chain.next_number - 1) + 1
        return Prepared(self._order(entry, self.chain.allocated), self.chain.allocated)

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        if entry.number is None:
            raise RebuildMismatchError("no number")
        order = self._order(entry, entry.number)
        if self.disagree:
            order["to"] = "somebody else"
        return order

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return payload_hash(order)

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        return SignatureRecord(self.node_id, self.node_id, "sig:" + payload_hash(order))

    def sign_wait(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        return self.wait

    def sign_again(self, entry: Entry) -> bool:
        return False  # a signature stored on the entry is the signature

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        return len(self.valid_signatures(order, records))

    def valid_signatures(
        self, order: Mapping[str, Any], records: Sequence[SignatureRecord]
    ) -> list[SignatureRecord]:
        expected = "sig:" + payload_hash(order)
        seen: dict[str, SignatureRecord] = {}
        for record in records:
            if record.signer in self.chain.members and record.signature == expected:
                seen.setdefault(record.signer, record)
        return list(seen.values())

    def gap_below(self, entry: Entry) -> Gap | None:
        gap = self.gap
        return gap if gap is not None and (entry.number or 0) > gap.number else None

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        if self.ended is not None:
            return Outcome(OutcomeKind.FAILED, None, self.ended)
        if int(order["number"]) >= self.chain.next_number:
            return None
        return self.outcome(entry, order)

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        assert len(self.valid_signatures(order, signatures)) >= self.chain.threshold
        tx_hash = f"tx-{payload_hash(order)[:16]}"
        if not record(tx_hash, {"execution_note": "recorded before broadcast"}):
            return None
        self.chain.submitted[tx_hash] = order
        self.broadcasts += 1
        return tx_hash

    def rebroadcast(self, entry: Entry, record: RecordExecution) -> str:
        self.broadcasts += 1
        return "rebroadcast"

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        number = int(order["number"])
        landed = self.chain.landed.get(number)
        if landed == payload_hash(order):
            return Outcome(OutcomeKind.EXECUTED, self.chain.tx_of[number], f"landed at {number}")
        if landed is not None:
            return Outcome(OutcomeKind.DEAD, None, f"number {number} used by another tx")
        if entry.execution_tx_hash in self.chain.submitted:
            return Outcome(OutcomeKind.PENDING, entry.execution_tx_hash, "not mined yet")
        return Outcome(
            OutcomeKind.NOT_SUBMITTED,
            entry.execution_tx_hash,
            "nothing on chain",
            next_in_line=number == self.chain.next_number,
        )

    def proven_dead(self, retired: RetiredOrder) -> bool:
        landed = self.chain.landed.get(int(retired.order["number"]))
        return landed is not None and landed != payload_hash(retired.order)

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        return (entry.number if entry.number is not None else 2**63,)
