"""The payout state machine alone: three nodes (threshold 2) over a stand-in custody back end,
on mongomock. The real back ends are exercised against anvil and the Pocket simulator in
``tests/integration``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mongomock
import pytest
from pymongo.database import Database

from tests.unit.payout.stand_in import FEE, StandInChain, StandInCustody
from wpokt_node.custody.base import SourceCheck, SourceState
from wpokt_node.db import leases
from wpokt_node.db.bootstrap import ensure_indexes
from wpokt_node.db.models import Entry, new_entry
from wpokt_node.db.schema import REFUNDS
from wpokt_node.payout.gates import Hold
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.machine import MachineSettings, PayoutMachine

Document = dict[str, Any]
LEASE = "stand-in-executor"
NODE_IDS = ("node-0", "node-1", "node-2")


@dataclass
class Node:
    machine: PayoutMachine
    custody: StandInCustody
    journal: SigningJournal
    paused: list[str]


class Cluster:
    def __init__(self, db: Database[Document], tmp: Path) -> None:
        self.db = db
        self.chain = StandInChain(members=frozenset(NODE_IDS), threshold=2)
        self.nodes = [self._node(node_id, tmp) for node_id in NODE_IDS]

    def _node(self, node_id: str, tmp: Path) -> Node:
        custody = StandInCustody(self.chain, node_id)
        journal = SigningJournal(tmp / f"{node_id}.sqlite3", node_id=node_id)
        paused: list[str] = []
        machine = PayoutMachine(
            db=self.db,
            journal=journal,
            custodies={REFUNDS: custody},
            settings=MachineSettings(
                node_id, 2, batch_size=10, lease_ttl_s=30, executor_lease=LEASE
            ),
            paused=lambda: paused[0] if paused else None,
        )
        return Node(machine, custody, journal, paused)

    def deposit(self, tx: str, amount: int = 1_000, *, confirmed: bool = True) -> Any:
        """A refund entry whose source the chain confirms."""
        self.chain.sources[tx] = SourceCheck(
            SourceState.FOUND, confirmations=3, confirmed=confirmed, fields={"confirmations": 3}
        )
        document = new_entry(
            transaction_hash=tx,
            height=1,
            from_address="sender",
            to_address="sender",
            amount=amount,
            reason="memo_not_json",
            sequence=None,
        )
        self.db[REFUNDS].insert_one(document)
        return document["_id"]

    def run(self, *nodes: int, passes: int = 1) -> list[dict[str, object]]:
        return [self.nodes[i].machine.run_once() for _ in range(passes) for i in nodes or range(3)]

    def entry(self, entry_id: Any) -> Document:
        found = self.db[REFUNDS].find_one({"_id": entry_id})
        assert found is not None
        return found

    def steps(self, entry_id: Any) -> list[tuple[str, str]]:
        return [(t["from"], t["to"]) for t in self.entry(entry_id)["transitions"]]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    client: Any = mongomock.MongoClient(tz_aware=True)
    db: Database[Document] = client["unit"]
    ensure_indexes(db)
    built = Cluster(db, tmp_path)
    yield built
    for node in built.nodes:
        node.journal.close()
    client.close()


def test_an_entry_goes_from_detected_to_executed_at_the_threshold(cluster: Cluster) -> None:
    # Given a confirmed deposit
    entry_id = cluster.deposit("A")

    # When node 0 runs: confirmed, started with number 1, signed by node 0 only
    cluster.run(0)
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["sequence"], entry["signers"]) == ("started", 1, ["node-0"])

    # When node 1 runs: its signature reaches the threshold, it takes the lease and submits
    cluster.run(1)
    entry = cluster.entry(entry_id)
    assert entry["status"] == "signed"
    assert entry["execution_note"] == "recorded before broadcast"
    assert cluster.nodes[1].custody.broadcasts == 1

    # When the chain mines it: node 2, which signed nothing, cannot tell which source event
    # the payload on chain pays, so it leaves that to a node that signed it (node 0)
    cluster.chain.mine()
    cluster.run(2)
    assert cluster.entry(entry_id)["status"] == "signed"
    cluster.run(0)

    # Then it is executed once, with the landed tx, and each step is on record
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["execution_tx_hash"]) == ("executed", cluster.chain.tx_of[1])
    assert cluster.steps(entry_id) == [
        ("detected", "confirmed"),
        ("confirmed", "started"),
        ("started", "signed"),
        ("signed", "executed"),
    ]
    assert cluster.nodes[2].custody.broadcasts == 0


def test_an_unconfirmed_source_waits_and_a_vanished_one_fails(cluster: Cluster) -> None:
    # Given one deposit not deep enough yet and one the chain no longer has
    waiting = cluster.deposit("W", confirmed=False)
    gone = cluster.deposit("G")
    cluster.chain.sources["G"] = SourceCheck(SourceState.GONE, reason="deposit tx failed")

    # When every node runs
    cluster.run()

    # Then the first waits with its confirmations recorded, the second failed with the reason
    assert (cluster.entry(waiting)["status"], cluster.entry(waiting)["confirmations"]) == (
        "detected",
        3,
    )
    assert (cluster.entry(gone)["status"], cluster.entry(gone)["error"]) == (
        "failed",
        "source gone: deposit tx failed",
    )


def test_an_entry_the_back_end_can_never_pay_fails_before_any_number(cluster: Cluster) -> None:
    # Given a deposit that does not cover the fee
    entry_id = cluster.deposit("F", amount=FEE)

    # When the nodes run
    cluster.run()

    # Then it failed at confirmed, and no number was allocated
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["error"]) == ("failed", "amount_not_above_fee")
    assert cluster.chain.allocated == 0


def test_a_node_whose_rebuild_differs_refuses_and_records_why(cluster: Cluster) -> None:
    # Given nodes 1 and 2 whose own view of the chain differs from the stored order
    entry_id = cluster.deposit("R")
    cluster.nodes[1].custody.disagree = True
    cluster.nodes[2].custody.disagree = True

    # When every node runs twice
    cluster.run(passes=2)

    # Then only node 0 signed, the entry stays started, and the refusals say why
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["signers"]) == ("started", ["node-0"])
    assert set(entry["refusals"]) == {"node-1", "node-2"}
    assert "differs" in entry["refusals"]["node-1"]["reason"]


def test_only_the_lease_holder_submits_and_not_while_paused(cluster: Cluster) -> None:
    # Given a signed entry while node 2 holds the executor lease and is paused
    entry_id = cluster.deposit("P")
    cluster.nodes[2].paused.append("the bridge is paused")
    assert leases.acquire(cluster.db, LEASE, "node-2", 60)
    cluster.run(0, 1)
    assert cluster.entry(entry_id)["status"] == "signed"

    # When nodes 0 and 1 run (not the lease holder) and paused node 2 runs
    summaries = cluster.run(0, 1) + cluster.run(2)

    # Then nothing was submitted, and node 2 gave the lease up (a paused executor would stall
    # every payout)
    assert cluster.entry(entry_id)["execution_tx_hash"] is None
    assert [s.get("not_executor", 0) for s in summaries] == [1, 1, 1]
    assert leases.holder_of(cluster.db, LEASE) is None

    # When node 2 is resumed, it takes the lease and submits
    cluster.nodes[2].paused.clear()
    cluster.run(2)
    assert cluster.entry(entry_id)["execution_tx_hash"] is not None


def test_a_later_number_waits_for_the_earlier_one(cluster: Cluster) -> None:
    # Given two signed entries with numbers 1 and 2, the first held back from submission
    first = cluster.deposit("E1")
    second = cluster.deposit("E2")
    cluster.run(0, 1)
    assert (cluster.entry(first)["sequence"], cluster.entry(second)["sequence"]) == (1, 2)

    # Then only number 1 was submitted: number 2 is not the chain's next one
    submitted = {order["number"] for order in cluster.chain.submitted.values()}
    assert submitted == {1}

    # When number 1 lands, the next pass submits number 2, and both execute
    cluster.chain.mine()
    cluster.run(1)
    cluster.chain.mine()
    cluster.run(1)
    assert cluster.entry(first)["status"] == cluster.entry(second)["status"] == "executed"


def test_a_payload_proven_dead_is_prepared_again_and_signed_anew(cluster: Cluster) -> None:
    # Given a signed entry at number 1, before anything is submitted
    entry_id = cluster.deposit("D")
    cluster.run(0)
    for node in cluster.nodes:
        node.paused.append("hold everything")
    cluster.run(1)
    assert cluster.entry(entry_id)["signers"] == ["node-0"]
    for node in cluster.nodes:
        node.paused.clear()
    cluster.run(1)
    assert cluster.entry(entry_id)["status"] == "signed"
    dead_order = cluster.entry(entry_id)["order"]
    cluster.chain.submitted.clear()

    # When something else uses number 1 on chain
    cluster.chain.use(1)
    cluster.run(2)

    # Then the entry went back to confirmed with its dead order kept, and node 2's
    # journal retired the dead payload
    entry = cluster.entry(entry_id)
    assert entry["status"] == "confirmed"
    assert [r["order"] for r in entry["retired_orders"]] == [dead_order]
    assert (entry["signers"], entry["sequence"], entry["order"]) == ([], None, None)

    # When the nodes run again: a new number, signatures over the new payload, executed
    cluster.run(0, 1, 2)
    cluster.chain.mine()
    cluster.run(0)
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["sequence"]) == ("executed", 2)
    assert ("signed", "confirmed") in cluster.steps(entry_id)


class ClosedForSigning:
    """A gate that holds every signature until it is opened."""

    def __init__(self) -> None:
        self.open = False

    def admit_start(self, entry: Entry) -> AbstractContextManager[Hold | None]:
        return nullcontext(None)

    def admit_sign(self, entry: Entry) -> Hold | None:
        return None if self.open else Hold("test_gate", "closed for signing")

    def admit_execute(self, entry: Entry, order: Mapping[str, Any]) -> Hold | None:
        return None


def test_a_gate_holds_an_entry_visibly_until_it_opens(cluster: Cluster) -> None:
    # Given node 0 behind a closed signing gate
    gate = ClosedForSigning()
    cluster.nodes[0].machine.gates = gate
    entry_id = cluster.deposit("H")

    # When node 0 runs: started, not signed, and the entry says why
    summary = cluster.nodes[0].machine.run_once()
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["signers"], entry["held"]) == ("started", [], "test_gate")
    assert summary["held_test_gate"] == 1

    # When the gate opens: node 0 signs and the note is cleared
    gate.open = True
    cluster.nodes[0].machine.run_once()
    entry = cluster.entry(entry_id)
    assert (entry["signers"], entry["held"]) == (["node-0"], None)


def test_a_garbled_entry_is_reported_and_does_not_stop_the_others(cluster: Cluster) -> None:
    # Given two signed entries, then one garbled in the database (an amount that is no integer)
    # and the other written by a shell that stores numbers as doubles
    garbled = cluster.deposit("X1")
    doubles = cluster.deposit("X2")
    assert leases.acquire(cluster.db, LEASE, "elsewhere", 60)
    cluster.run(0, 1)
    assert cluster.entry(garbled)["status"] == cluster.entry(doubles)["status"] == "signed"
    cluster.db[REFUNDS].update_one({"_id": garbled}, {"$set": {"amount": 1_000.5}})
    cluster.db[REFUNDS].update_one({"_id": doubles}, {"$set": {"height": 1.0, "sequence": 2.0}})
    leases.release(cluster.db, LEASE, "elsewhere")

    # When a node runs its passes
    summaries = cluster.run(2, passes=3)
    cluster.chain.mine()
    summaries += cluster.run(2)

    # Then the garbled entry is reported on every pass and left as it is, and the other one
    # (number 2, once number 1 is used on chain) is not held up by it
    assert all(s["malformed"] == 1 for s in summaries)
    assert cluster.entry(garbled)["status"] == "signed"
    assert cluster.chain.submitted == {}  # number 2 waits behind the garbled number 1
    cluster.chain.use(1)
    cluster.run(2)
    cluster.chain.mine()
    cluster.run(0)  # a node that signed it says which source event the payload on chain pays
    assert cluster.entry(doubles)["status"] == "executed"


def test_an_entry_pointing_at_another_deposits_paid_payload_is_paid_itself(
    cluster: Cluster,
) -> None:
    # Given deposit P paid at number 1, and deposit Q of the same amount to the same recipient
    paid = cluster.deposit("P")
    cluster.run(0, 1)
    cluster.chain.mine()
    cluster.run(0)
    assert cluster.entry(paid)["status"] == "executed"
    other = cluster.deposit("Q")

    # When the database makes Q a signed entry carrying P's order, number and signatures
    p = cluster.entry(paid)
    cluster.db[REFUNDS].update_one(
        {"_id": other},
        {
            "$set": {
                "status": "signed",
                "order": p["order"],
                "sequence": p["sequence"],
                "signatures": p["signatures"],
                "signers": p["signers"],
            }
        },
    )
    cluster.run(2)  # a node that signed neither cannot tell: it waits
    assert cluster.entry(other)["status"] == "signed"
    cluster.run(0)

    # Then a node that signed P's payload sees it pays P, not Q: Q is prepared again, gets its
    # own number and is paid once; P stays paid once
    entry = cluster.entry(other)
    assert entry["status"] == "confirmed"
    assert entry["refusals"] == {}
    cluster.run(0, 1)
    cluster.chain.mine()
    cluster.run(0)
    entry = cluster.entry(other)
    assert (entry["status"], entry["sequence"]) == ("executed", 2)
    assert sorted(cluster.chain.landed) == [1, 2]


def test_a_node_told_to_wait_signs_nothing_and_its_journal_records_nothing(
    cluster: Cluster,
) -> None:
    # Given a started entry and node 1, whose back end says the chain would not take it now
    entry_id = cluster.deposit("W")
    cluster.run(0)
    cluster.nodes[1].custody.wait = "an earlier payout first"

    # When node 1 runs, it neither signs nor commits its journal to the payload
    summary = cluster.run(1)[0]
    assert summary.get("not_ready") == 1
    assert cluster.entry(entry_id)["signers"] == ["node-0"]
    assert cluster.nodes[1].journal.live_payload("stand-in:W") is None

    # Then once the wait is over it signs, and the threshold is reached
    cluster.nodes[1].custody.wait = None
    cluster.run(1)
    assert cluster.entry(entry_id)["status"] == "signed"


def test_a_started_payload_the_custodian_ended_fails_the_entry(cluster: Cluster) -> None:
    # Given a started entry whose payload the custodian ended (a canceled Copper order)
    entry_id = cluster.deposit("E")
    cluster.run(0)
    ended = "order o-1 ended canceled without a payout"
    cluster.nodes[1].custody.ended = ended

    # When another node handles it, the entry fails with the reason, for an operator
    cluster.run(1)
    entry = cluster.entry(entry_id)
    assert (entry["status"], entry["error"]) == (
        "failed",
        "order o-1 ended canceled without a payout",
    )


def test_a_node_whose_rebuild_differs_refuses_even_while_told_to_wait(cluster: Cluster) -> None:
    # Given a started entry, and node 1 whose rebuild differs and whose back end says "wait"
    entry_id = cluster.deposit("V")
    cluster.run(0)
    cluster.nodes[1].custody.disagree = True
    cluster.nodes[1].custody.wait = "an earlier payout first"

    # When node 1 runs, it refuses and says why (the wait is only for an order it would sign)
    cluster.run(1)
    assert "node-1" in cluster.entry(entry_id)["refusals"]
