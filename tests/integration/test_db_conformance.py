"""MongoDB conformance: the guarantees the nodes rely on, raced from 8 OS processes against the
configured server (embedded nx-27017, or ``MONGODB_URI``)."""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from multiprocessing.pool import Pool
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.integration import db_race_workers as workers
from wpokt_node.db import leases, nodes
from wpokt_node.db.entries import insert_once
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import AUDIT, LEASES, MINTS, NODES, Status
from wpokt_node.db.transitions import audit_trail, repair_audit, transition

pytestmark = pytest.mark.conformance

PROCESSES = 8
Document = dict[str, Any]


@pytest.fixture(scope="module")
def race_pool(mongo_uri: str) -> Iterator[Pool]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    pool = context.Pool(PROCESSES, initializer=workers.init_worker, initargs=(barrier,))
    try:
        pids = pool.starmap(workers.warm_up, [(mongo_uri, "admin")] * PROCESSES, chunksize=1)
        assert len(set(pids)) == PROCESSES  # the barrier forces one task per process
        yield pool
    finally:
        pool.terminate()
        pool.join()


Race = Callable[..., list[Any]]


@pytest.fixture
def race(race_pool: Pool, mongo_uri: str, mongo_db: Database[Document]) -> Race:
    """``race(func, *args)`` runs ``func(uri, db_name, worker, *args)`` in all 8 processes."""

    def run(func: Any, *args: Any) -> list[Any]:
        tasks = [(mongo_uri, mongo_db.name, worker, *args) for worker in range(PROCESSES)]
        return race_pool.starmap(func, tasks, chunksize=1)

    return run


def make_entries(db: Database[Document], count: int, prefix: str) -> list[str]:
    ids = []
    for i in range(count):
        entry = new_entry(
            transaction_hash=f"{prefix}{i:04d}",
            height=i,
            from_address="pokt1s",
            to_address="0xr",
            amount=1,
            source_event=f"pokt:{prefix}{i:04d}",
        )
        assert insert_once(db[MINTS], entry).inserted
        ids.append(str(entry["_id"]))
    return ids


def advance(db: Database[Document], entry_ids: list[str], *steps: Status) -> None:
    for entry_id in entry_ids:
        for before, after in itertools.pairwise(steps):
            done = transition(
                db, MINTS, ObjectId(entry_id), expected=before, to=after, node_id="t", reason=""
            )
            assert done is not None


def test_unique_insert_race_has_exactly_one_winner_per_key(
    race: Race, mongo_db: Database[Document]
) -> None:
    keys = [f"tx{i:03d}" for i in range(60)]
    results = race(workers.insert_race, keys)
    winners: Counter[str] = Counter()
    ids: dict[str, set[str]] = defaultdict(set)
    for per_worker in results:
        assert len(per_worker) == len(keys)
        for key, inserted, stored_id in per_worker:
            winners[key] += int(inserted)
            ids[key].add(stored_id)
    assert winners == dict.fromkeys(keys, 1)
    assert all(len(found) == 1 for found in ids.values()), "every loser got the winner's _id"
    stored = list(mongo_db[MINTS].find({}, projection={"transaction_hash": 1}))
    assert sorted(d["transaction_hash"] for d in stored) == keys
    assert {str(d["_id"]) for d in stored} == set().union(*ids.values())


def test_status_transition_race_has_exactly_one_winner(
    race: Race, mongo_db: Database[Document]
) -> None:
    entry_ids = make_entries(mongo_db, 40, "st")
    results = race(
        workers.transition_race,
        entry_ids,
        "detected",
        ["confirmed", "failed"],  # half the workers confirm, half fail: one of them wins
    )
    winners: dict[str, list[str]] = defaultdict(list)
    for per_worker in results:
        for entry_id, status in per_worker:
            if status is not None:
                winners[entry_id].append(status)
    for entry_id in entry_ids:
        assert len(winners[entry_id]) == 1, winners[entry_id]
        stored = mongo_db[MINTS].find_one({"_id": ObjectId(entry_id)})
        assert stored is not None
        assert stored["status"] == winners[entry_id][0]
        assert stored["audit_seq"] == 1
        assert len(stored["transitions"]) == 1
        audit = audit_trail(mongo_db, ObjectId(entry_id))
        assert [(a["seq"], a["to"]) for a in audit] == [(1, stored["status"])]
        assert audit[0]["node_id"] == stored["transitions"][0]["node_id"]


def test_concurrent_signatures_are_neither_lost_nor_duplicated(
    race: Race, mongo_db: Database[Document]
) -> None:
    entry_ids = make_entries(mongo_db, 30, "sg")
    advance(mongo_db, entry_ids, Status.DETECTED, Status.CONFIRMED, Status.STARTED)
    results = race(workers.signature_race, entry_ids, None)
    for per_worker in results:
        assert all(first and not second for _, first, second in per_worker), per_worker
    expected_nodes = sorted(f"node-{w}" for w in range(PROCESSES))
    for entry_id in entry_ids:
        stored = mongo_db[MINTS].find_one({"_id": ObjectId(entry_id)})
        assert stored is not None
        assert sorted(stored["signers"]) == expected_nodes
        assert sorted(s["node_id"] for s in stored["signatures"]) == expected_nodes
        for sig in stored["signatures"]:
            worker = int(sig["node_id"].split("-")[1])
            assert sig["signature"] == f"{worker:02x}" * 65


def test_same_node_signing_from_many_processes_signs_once(
    race: Race, mongo_db: Database[Document]
) -> None:
    entry_ids = make_entries(mongo_db, 30, "sd")
    advance(mongo_db, entry_ids, Status.DETECTED, Status.CONFIRMED, Status.STARTED)
    results = race(workers.signature_race, entry_ids, "node-x")
    added: Counter[str] = Counter()
    for per_worker in results:
        for entry_id, first, second in per_worker:
            added[entry_id] += int(first) + int(second)
    assert added == dict.fromkeys(entry_ids, 1)
    for entry_id in entry_ids:
        stored = mongo_db[MINTS].find_one({"_id": ObjectId(entry_id)})
        assert stored is not None
        assert stored["signers"] == ["node-x"]
        assert len(stored["signatures"]) == 1


def test_lease_race_one_holder_and_takeover_after_expiry(
    race: Race, mongo_db: Database[Document]
) -> None:
    names = [f"lease-{i:02d}" for i in range(20)]
    holders = _holders(race(workers.lease_race, names, 30.0))
    assert sorted(holders) == names
    assert all(len(h) == 1 for h in holders.values())
    # Nobody else can take an unexpired lease; each holder can renew and re-acquire its own.
    renewed = race(workers.lease_renew, names)
    assert sum(sum(r) for r in renewed) == len(names)
    assert _holders(race(workers.lease_race, names, 30.0)) == holders
    # The holders die: their leases expire and exactly one process takes each over.
    mongo_db[LEASES].update_many({}, {"$set": {"expires_at_ms": 1}})
    takeover = _holders(race(workers.lease_race, names, 30.0))
    assert sorted(takeover) == names
    assert all(len(h) == 1 for h in takeover.values()), takeover
    stored = {d["_id"]: d["holder"] for d in mongo_db[LEASES].find()}
    assert stored == {n: takeover[n][0] for n in names}


def test_lease_expires_in_real_time_and_is_taken_over_once(
    race: Race, mongo_db: Database[Document]
) -> None:
    assert leases.acquire(mongo_db, "short", "dead-node", 0.5)
    assert not leases.acquire(mongo_db, "short", "other", 0.5)
    time.sleep(0.6)
    takeover = _holders(race(workers.lease_race, ["short"], 30.0))
    assert len(takeover["short"]) == 1
    assert leases.holder_of(mongo_db, "short") == takeover["short"][0]
    assert not leases.renew(mongo_db, "short", "dead-node", 30)


def _holders(results: list[list[tuple[str, bool]]]) -> dict[str, list[str]]:
    holders: dict[str, list[str]] = defaultdict(list)
    for worker, per_worker in enumerate(results):
        for lease, got in per_worker:
            if got:
                holders[lease].append(f"node-{worker}")
    return dict(holders)


def test_lease_gives_mutual_exclusion_under_contention(
    race: Race, mongo_db: Database[Document]
) -> None:
    results = race(workers.lease_mutual_exclusion, 6)
    assert [held for held, _ in results] == [6] * PROCESSES
    assert sum(violations for _, violations in results) == 0


def test_audit_survives_a_crash_between_the_two_writes(mongo_db: Database[Document]) -> None:
    [entry_id] = make_entries(mongo_db, 1, "au")
    advance(mongo_db, [entry_id], Status.DETECTED, Status.CONFIRMED, Status.STARTED)
    oid = ObjectId(entry_id)
    assert [a["seq"] for a in audit_trail(mongo_db, oid)] == [1, 2]
    mongo_db[AUDIT].delete_many({"entry_id": {"$in": [oid]}})  # lost audit copies
    assert audit_trail(mongo_db, oid) == []
    assert repair_audit(mongo_db) == 2
    assert repair_audit(mongo_db) == 0
    trail = audit_trail(mongo_db, oid)
    assert [(a["seq"], a["from"], a["to"]) for a in trail] == [
        (1, "detected", "confirmed"),
        (2, "confirmed", "started"),
    ]
    # A second copy of an existing record is refused by the unique (entry_id, seq) index.
    assert not insert_once(mongo_db[AUDIT], {**trail[0], "_id": ObjectId()}).inserted


def test_node_documents_under_concurrent_first_writes(
    race: Race, mongo_db: Database[Document]
) -> None:
    node_ids = [f"node-{i:02d}" for i in range(10)]
    race(workers.node_race, node_ids)
    stored = list(mongo_db[NODES].find())
    assert sorted(d["node_id"] for d in stored) == node_ids  # one document per node
    for doc in stored:
        assert doc["cursors"] == {f"c{w}": w * 10 for w in range(PROCESSES)}
        assert sorted(doc["workers"]) == [f"w{w}" for w in range(PROCESSES)]
        for name, beat in doc["workers"].items():
            assert beat["height"] == int(name[1:])
            assert isinstance(beat["at"], datetime)
            assert beat["at"].tzinfo is not None
    assert nodes.get_cursor(mongo_db, "node-03", "c7") == 70
    assert nodes.get_cursor(mongo_db, "node-03", "missing") is None
