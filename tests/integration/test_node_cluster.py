"""A real 3-node / threshold-2 cluster: `wpokt-node run` processes against anvil, the Pocket
simulator and the embedded database bridge a deposit, a burn and a bad-memo refund."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pymongo.database import Database

from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import MULTISIG, DevnetOptions
from wpokt_devnet.invariants import check_invariants
from wpokt_devnet.processes import is_alive
from wpokt_devnet.sockets import descendants, listening_sockets
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, Status
from wpokt_node.node.context import WORKER_KEYS

pytestmark = [pytest.mark.node, pytest.mark.slow, pytest.mark.timeout(600)]

Document = dict[str, Any]
FEE = 10_000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    directory = tmp_path_factory.mktemp("cluster")
    options = DevnetOptions(
        nodes=3,
        threshold=2,
        eth_block_time_s=1.0,
        pokt_block_time_s=1.0,
        worker_interval_s=0.5,
        fee_upokt=FEE,
        mongodb_uri=os.environ.get("MONGODB_URI") or None,
        database=f"cluster_{os.getpid()}",
        custody=MULTISIG,  # the legacy multisig back end, with real processes (N <= 7)
    )
    devnet = up(directory, options)
    try:
        yield devnet
    finally:
        started = devnet.services()
        down(directory)
        assert Devnet.load(directory).services() == {}
        assert not [s.name for s in started.values() if is_alive(s.pid)]


@pytest.fixture
def db(cluster: Devnet) -> Iterator[Database[Document]]:
    database = connect(cluster.mongodb_uri, cluster.database)
    yield database
    database.client.close()


def wait_for(what: str, predicate: Callable[[], bool], timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def entry_for(db: Database[Document], collection: str, tx_hash: str) -> Document | None:
    return db[collection].find_one({"transaction_hash": tx_hash})


def executed(db: Database[Document], collection: str, tx_hash: str) -> bool:
    entry = entry_for(db, collection, tx_hash)
    if entry is not None and entry["status"] == Status.FAILED.value:
        raise AssertionError(f"{collection} entry failed: {entry.get('error')}")
    return entry is not None and entry["status"] == Status.EXECUTED.value


def test_deposit_burn_and_refund_bridge_through_real_nodes(
    cluster: Devnet, db: Database[Document]
) -> None:
    state = cluster.state
    before = snapshot(cluster)

    # given a valid deposit, when the nodes run, then the recipient is minted 1:1
    deposit_tx = deposit(cluster, 5_000_000, str(state["eth_user"]))
    wait_for("the mint", lambda: executed(db, MINTS, deposit_tx))
    after_mint = snapshot(cluster)
    assert after_mint.eth_user_wpokt == before.eth_user_wpokt + 5_000_000
    mint = entry_for(db, MINTS, deposit_tx)
    assert mint is not None
    assert len(mint["signers"]) >= 2
    assert mint["execution_tx_hash"]

    # given a burn, then the POKT recipient is paid amount - fee from the vault
    burn_tx = burn(cluster, 2_000_000, str(state["pokt_user"]))
    wait_for("the burn payout", lambda: executed(db, BURNS, burn_tx.lower()))
    after_burn = snapshot(cluster)
    assert after_burn.pokt_user_balance == after_mint.pokt_user_balance + 2_000_000 - FEE
    assert after_burn.wpokt_supply == after_mint.wpokt_supply - 2_000_000

    # given a deposit with a bad memo, then it is refunded (amount - fee) to the sender
    refund_tx = deposit(cluster, 1_000_000, str(state["eth_user"]), memo="not json")
    wait_for("the refund", lambda: executed(db, REFUNDS, refund_tx))
    after_refund = snapshot(cluster)
    assert after_refund.pokt_user_balance == after_burn.pokt_user_balance - 1_000_000 + (
        1_000_000 - FEE
    )
    assert entry_for(db, MINTS, refund_tx) is None

    report = check_invariants(
        db, wpokt_supply=after_refund.wpokt_supply, vault_balance=after_refund.vault_balance
    )
    assert report.ok, report.problems
    assert report.figures["minted"] == 5_000_000
    assert report.figures["burned"] == 2_000_000
    assert after_refund.vault_balance == 3_000_000


def test_nodes_open_no_listening_socket(cluster: Devnet) -> None:
    for node_id in cluster.node_ids:
        pid = cluster.services()[node_id].pid
        assert len(descendants(pid)) >= 5  # supervisor + four workers
        assert listening_sockets(pid) == []


def test_health_and_status_commands(cluster: Devnet) -> None:
    config = str(cluster.config_path("node-01"))
    health = subprocess.run(
        [sys.executable, "-m", "wpokt_node.node.cli", "health", "--config", config],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert health.returncode == 0, health.stdout + health.stderr
    assert health.stdout.count(" ok ") == 4
    status = subprocess.run(
        [sys.executable, "-m", "wpokt_node.node.cli", "status", "--config", config],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("bridge   running")
    assert "\nmints " in status.stdout


def test_a_killed_worker_is_restarted_by_its_supervisor(cluster: Devnet) -> None:
    supervisor = cluster.services()["node-02"].pid

    def children(pid: int) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(child) for child in out.split()]

    def workers() -> list[int]:  # forked by the supervisor's fork server, its child
        return sorted(pid for child in children(supervisor) for pid in children(child))

    first = workers()
    assert len(first) == 4
    os.kill(first[0], signal.SIGKILL)
    wait_for("a replacement worker", lambda: len(workers()) == 4 and first[0] not in workers(), 60)
    assert set(first[1:]) <= set(workers())
    cluster.wait_healthy(["node-02"], timeout_s=60)


def test_run_refuses_to_start_when_the_chain_disagrees(cluster: Devnet, tmp_path: Path) -> None:
    config = yaml.safe_load(cluster.config_path("node-01").read_text())
    config["ethereum"]["chain_id"] = 1
    config["journal_path"] = str(tmp_path / "journal.sqlite3")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "wpokt_node.node.cli", "run", "--config", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=cluster.node_env("node-01"),
    )
    assert result.returncode == 1
    assert "ethereum chain id mismatch: configured 1" in result.stderr
    assert "refusing to start" in result.stderr
    assert time.monotonic() - started < 60


def test_sigterm_stops_a_whole_node_within_ten_seconds(cluster: Devnet) -> None:
    service = cluster.services()["node-03"]
    members = descendants(service.pid)
    assert len(members) >= 5
    started = time.monotonic()
    os.kill(service.pid, signal.SIGTERM)
    wait_for("node-03 to stop", lambda: not any(is_alive(pid) for pid in members), 10)
    assert time.monotonic() - started < 10
    cluster.start_node("node-03")
    cluster.wait_healthy(["node-03"], timeout_s=120)


def test_only_the_executors_hold_signing_keys_each_only_its_own(cluster: Devnet) -> None:
    """Least privilege by process: the watchers and the supervisor decrypt no keystore."""
    db = connect(cluster.mongodb_uri, cluster.database)
    try:
        node = db["nodes"].find_one({"node_id": cluster.node_ids[0]})
    finally:
        db.client.close()
    assert node is not None
    held = {worker: beat.get("signing_keys") for worker, beat in node["workers"].items()}
    assert held == {worker: sorted(keys) for worker, keys in WORKER_KEYS.items()}
    log = (cluster.dir / "logs" / f"{cluster.node_ids[0]}.log").read_text(encoding="utf-8")
    started = [line for line in log.splitlines() if "startup checks passed" in line]
    assert started
    assert all('"signing_keys": []' in line for line in started)
