"""Helpers of the tests that run a whole devnet: start one, wait for facts, read balances."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from pymongo.database import Database

from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import GROUP, DevnetOptions
from wpokt_devnet.deploy import PRODUCTION
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, TERMINAL, Status
from wpokt_node.db.schema import NODES as NODE_STATE
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import TokenContract

Document = dict[str, Any]
NODES = 12
THRESHOLD = 9
FEE = 10_000
OPEN = sorted(s.value for s in Status if s not in TERMINAL)
ENTRIES = (MINTS, BURNS, REFUNDS)


@contextmanager
def running_devnet(
    directory: Path,
    name: str,
    *,
    metrics: bool = False,
    nodes: int = NODES,
    threshold: int = THRESHOLD,
    custody: str = GROUP,
) -> Iterator[Devnet]:
    """The 12-node / threshold-9 devnet on 1 s blocks and worker intervals, torn down after; its
    Ethereum contracts are the production profile (``make demo`` runs the project's). With
    ``metrics``, a Pushgateway and Prometheus receive the nodes' metrics."""
    options = DevnetOptions(
        nodes=nodes,
        threshold=threshold,
        eth_block_time_s=1.0,
        pokt_block_time_s=1.0,
        worker_interval_s=1.0,
        fee_upokt=FEE,
        mongodb_uri=os.environ.get("MONGODB_URI") or None,
        database=f"{name}_{os.getpid()}",
        healthy_timeout_s=300,
        contracts=PRODUCTION,
        metrics=metrics,
        custody=custody,
    )
    network = up(directory, options)
    try:
        yield network
    finally:
        down(directory)


def every_entry_finished(db: Database[Document]) -> Callable[[], bool]:
    return lambda: all(db[c].find_one({"status": {"$in": OPEN}}) is None for c in ENTRIES)


def wait_for(what: str, predicate: Callable[[], bool], timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def entry(db: Database[Document], collection: str, tx_hash: str) -> Document | None:
    return db[collection].find_one({"transaction_hash": tx_hash})


def status_of(db: Database[Document], collection: str, tx_hash: str) -> str | None:
    found = entry(db, collection, tx_hash)
    return None if found is None else str(found["status"])


def wait_executed(
    db: Database[Document], collection: str, tx_hash: str, timeout_s: float = 180.0
) -> Document:
    wait_for(
        f"{collection} {tx_hash} executed",
        lambda: status_of(db, collection, tx_hash) == Status.EXECUTED.value,
        timeout_s,
    )
    found = entry(db, collection, tx_hash)
    assert found is not None
    return found


def executor_passes(db: Database[Document], worker: str, node_ids: list[str]) -> dict[str, int]:
    """Completed passes of ``worker`` per node, from the heartbeats in ``nodes``
    (``workers.<worker>.passes``; counted from the worker process's start)."""
    docs = db[NODE_STATE].find(
        {"node_id": {"$in": node_ids}}, projection={"node_id": 1, "workers": 1}
    )
    return {
        str(d["node_id"]): int(((d.get("workers") or {}).get(worker) or {}).get("passes") or 0)
        for d in docs
    }


def wait_for_passes(
    db: Database[Document], worker: str, node_ids: list[str], timeout_s: float = 180.0
) -> None:
    """Wait until ``worker`` on every node in ``node_ids`` has completed two more passes than
    now: each has then run at least one whole pass that began after this call. A worker whose
    pass failed backs off up to 60 s (``node/worker.py``), which a loaded machine can make
    happen, hence three such waits."""
    before = executor_passes(db, worker, node_ids)

    def done() -> bool:
        now = executor_passes(db, worker, node_ids)
        return all(now.get(n, 0) >= before.get(n, 0) + 2 for n in node_ids)

    wait_for(f"two more {worker} passes on each of {', '.join(node_ids)}", done, timeout_s)


def fresh_eth_address() -> str:
    return str(to_checksum_address("0x" + secrets.token_hex(20)))


def wpokt_balance(devnet: Devnet, address: str) -> int:
    return TokenContract(EthClient(devnet.eth_url), str(devnet.state["token"])).balance_of(address)
