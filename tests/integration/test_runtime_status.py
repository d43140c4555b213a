"""health / status read the shared database: given documents, then the report."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from wpokt_node.db.entries import add_signature, insert_once
from wpokt_node.db.models import new_entry
from wpokt_node.db.nodes import heartbeat
from wpokt_node.db.schema import MINTS, REFUNDS, Status
from wpokt_node.db.transitions import transition
from wpokt_node.node.commands import print_needs_operator
from wpokt_node.node.status import cluster_status, degradations, node_health
from wpokt_node.node.supervisor import WORKER_NAMES

pytestmark = pytest.mark.node

Document = dict[str, Any]


def beat_all(db: Database[Document], node_id: str, at_ms: int) -> None:
    for worker in WORKER_NAMES:
        heartbeat(db, node_id, worker, at_ms=at_ms, last_error=None)


def test_health_is_ok_only_when_every_worker_beat_recently(mongo_db: Database[Document]) -> None:
    now = int(time.time() * 1000)
    beat_all(mongo_db, "node-01", now - 5_000)
    assert all(w.healthy for w in node_health(mongo_db, "node-01", 30, now_ms=now))

    heartbeat(mongo_db, "node-01", "release-executor", at_ms=now - 45_000, last_error="rpc down")
    report = {w.worker: w for w in node_health(mongo_db, "node-01", 30, now_ms=now)}
    assert not report["release-executor"].healthy
    assert report["release-executor"].last_error == "rpc down"
    assert report["mint-executor"].healthy


def test_a_node_that_never_beat_is_unhealthy(mongo_db: Database[Document]) -> None:
    report = node_health(mongo_db, "node-09", 30)
    assert [w.healthy for w in report] == [False] * 4
    assert all(w.age_s is None for w in report)


def _mint(db: Database[Document], tx: str) -> Any:
    entry = new_entry(
        transaction_hash=tx,
        height=1,
        from_address="pokt1sender",
        to_address="0x0000000000000000000000000000000000000001",
        amount=5,
        source_event=f"pokt:{tx}",
    )
    return insert_once(db[MINTS], entry).id


def test_status_counts_stuck_and_unsigned(mongo_db: Database[Document]) -> None:
    for node_id in ("node-01", "node-02", "node-03"):
        beat_all(mongo_db, node_id, int(time.time() * 1000))
    detected = _mint(mongo_db, "AA")
    started = _mint(mongo_db, "BB")
    for source, target in [(Status.DETECTED, Status.CONFIRMED), (Status.CONFIRMED, Status.STARTED)]:
        transition(
            mongo_db, MINTS, started, expected=source, to=target, node_id="node-01", reason="t"
        )
    add_signature(
        mongo_db,
        MINTS,
        started,
        expected=Status.STARTED,
        node_id="node-02",
        signer="0xabc",
        signature="0x01",
    )

    fresh = cluster_status(mongo_db, stuck_after_s=3600)
    assert fresh.counts[MINTS]["detected"] == 1
    assert fresh.counts[MINTS]["started"] == 1
    assert fresh.counts["burns"] == {s.value: 0 for s in Status}
    assert fresh.stuck == []
    assert sorted(fresh.unsigned_by_node) == ["node-01", "node-03"]
    assert fresh.unsigned_by_node["node-01"] == [f"mints/{started}"]

    old = datetime.now(UTC) - timedelta(hours=2)
    mongo_db[MINTS].update_one({"_id": detected}, {"$currentDate": {"updated_at": True}})
    # nx-27017 cannot store a date through $set; rewrite the document with an old stamp
    document = mongo_db[MINTS].find_one({"_id": detected})
    assert document is not None
    document["updated_at"] = old
    mongo_db[MINTS].replace_one({"_id": detected}, document)
    stale = cluster_status(mongo_db, stuck_after_s=3600)
    assert [s["id"] for s in stale.stuck] == [str(detected)]


def _failed_refund(db: Database[Document], tx: str, reason: str, error: str) -> Any:
    entry = new_entry(
        transaction_hash=tx,
        height=1,
        from_address="pokt1sender",
        to_address="pokt1vault",
        amount=0,
        reason=reason,
        sequence=None,
    )
    entry_id = insert_once(db[REFUNDS], entry).id
    transition(
        db, REFUNDS, entry_id, expected=Status.DETECTED, to=Status.FAILED, node_id="n", reason="t",
        set_fields={"error": error},
    )  # fmt: skip
    return entry_id


def test_status_lists_failed_refunds_until_an_operator_resolves_them(
    mongo_db: Database[Document], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two failed refunds (coins the nodes never pay back) and an executed mint
    senders = _failed_refund(mongo_db, "CC", "several_senders", "several_senders: a sent 1upokt")
    coin = _failed_refund(mongo_db, "DD", "other_denoms", "other_denoms: a sent 7uother")
    _mint(mongo_db, "EE")

    # When the status is read, then both are listed for an operator, with their errors
    rows = cluster_status(mongo_db, stuck_after_s=3600).needs_operator
    assert [(r["id"], r["reason"], r["error"]) for r in rows] == [
        (str(senders), "several_senders", "several_senders: a sent 1upokt"),
        (str(coin), "other_denoms", "other_denoms: a sent 7uother"),
    ]
    print_needs_operator(rows)
    printed = capsys.readouterr().out
    assert "failed refunds needing an operator: 2" in printed
    assert f"refunds/{coin} tx DD other_denoms: other_denoms: a sent 7uother" in printed

    # When an operator records the resolution of one, then only the other is listed
    mongo_db[REFUNDS].update_one(
        {"_id": senders}, {"$set": {"resolution": {"by": "ops", "note": "paid back"}}}
    )
    status = cluster_status(mongo_db, stuck_after_s=3600)
    assert [r["id"] for r in status.needs_operator] == [str(coin)]
    assert status.to_json()["needs_operator"][0]["transaction_hash"] == "DD"


def test_startup_refuses_a_database_without_db_init(mongo_uri: str) -> None:
    from tests.fixtures.mongo import unique_db_name
    from wpokt_node.db.bootstrap import init_db
    from wpokt_node.db.client import connect
    from wpokt_node.errors import StartupCheckError
    from wpokt_node.node.startup import check_database_initialised

    db = connect(mongo_uri, unique_db_name("noinit"))
    try:
        db["mints"].insert_one({"x": 1})
        with pytest.raises(StartupCheckError, match="run `wpokt-node db init"):
            check_database_initialised(db)
        init_db(db)
        check_database_initialised(db)
    finally:
        db.client.drop_database(db.name)
        db.client.close()


def test_status_names_each_degradation_and_only_a_healthy_cluster_passes(
    mongo_db: Database[Document],
) -> None:
    now = int(time.time() * 1000)
    for node in ("node-01", "node-02", "node-03"):
        beat_all(mongo_db, node, now - 2_000)
    beat_all(mongo_db, "node-gone", now - 3 * 86_400_000)  # left the cluster long ago

    def problems(threshold: int) -> list[str]:
        status = cluster_status(mongo_db, stuck_after_s=3600)
        return degradations(
            mongo_db, status, threshold=threshold, stale_after_s=30, stuck_after_s=3600
        )

    assert problems(threshold=3) == []
    heartbeat(mongo_db, "node-03", "burn-watcher", at_ms=now - 60_000, last_error=None)
    assert problems(threshold=3) == [
        "node-03: worker(s) down: burn-watcher",
        "only 2 healthy signing nodes, below the threshold 3",
    ]
    assert problems(threshold=2) == ["node-03: worker(s) down: burn-watcher"]


def test_status_flags_nodes_that_run_different_cluster_facts(
    mongo_db: Database[Document],
) -> None:
    now = int(time.time() * 1000)
    for node, facts in (("node-01", "aaaa"), ("node-02", "aaaa"), ("node-03", "bbbb")):
        for worker in WORKER_NAMES:
            heartbeat(mongo_db, node, worker, at_ms=now - 1_000, cluster_facts=facts)
    status = cluster_status(mongo_db, stuck_after_s=3600)
    problems = degradations(mongo_db, status, threshold=2, stale_after_s=30, stuck_after_s=3600)
    assert problems == [
        "nodes run different cluster facts (config hash: nodes): "
        "aaaa: node-01, node-02; bbbb: node-03"
    ]


def test_status_names_a_node_whose_signing_the_governance_watch_holds(
    mongo_db: Database[Document],
) -> None:
    now = int(time.time() * 1000)
    for node in ("node-01", "node-02"):
        beat_all(mongo_db, node, now - 1_000)
    heartbeat(mongo_db, "node-02", "mint-executor", at_ms=now - 1_000,
              hold="governance changed on chain: the MintController has 13 validators")  # fmt: skip
    status = cluster_status(mongo_db, stuck_after_s=3600)
    problems = degradations(mongo_db, status, threshold=2, stale_after_s=30, stuck_after_s=3600)
    assert problems == [
        "node-02: signing held: governance changed on chain: the MintController has 13 validators",
        "only 1 healthy signing nodes, below the threshold 2",
    ]
