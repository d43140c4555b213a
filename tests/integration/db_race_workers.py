"""Code run inside the conformance suite's worker processes (spawned, one connection each).

Every task first waits on a shared barrier, so all workers hit the server at the same moment.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

from wpokt_node.db import leases, nodes
from wpokt_node.db.client import connect
from wpokt_node.db.entries import add_signature, insert_once
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import MINTS, Status
from wpokt_node.db.transitions import transition

Document = dict[str, Any]

_barrier: Any = None
_databases: dict[tuple[str, str], Database[Document]] = {}
_lock = threading.Lock()


def init_worker(barrier: Any) -> None:
    global _barrier  # noqa: PLW0603
    _barrier = barrier


def _sync() -> None:
    _barrier.wait(timeout=60)


def _db(uri: str, name: str) -> Database[Document]:
    with _lock:
        key = (uri, name)
        if key not in _databases:
            _databases[key] = connect(uri, name, timeout_ms=10_000)
        return _databases[key]


def warm_up(uri: str, name: str) -> int:
    _db(uri, name).command("ping")
    _sync()
    return os.getpid()


def insert_race(uri: str, name: str, worker: int, keys: list[str]) -> list[tuple[str, bool, str]]:
    db = _db(uri, name)
    ordered = keys if worker % 2 == 0 else list(reversed(keys))
    _sync()
    results = []
    for key in ordered:
        entry = new_entry(
            transaction_hash=key, height=1, from_address="pokt1s", to_address="0xr", amount=7,
            source_event=f"pokt:{key}",
        )  # fmt: skip
        outcome = insert_once(db[MINTS], entry)
        results.append((key, outcome.inserted, str(outcome.id)))
    return results


def transition_race(  # noqa: PLR0917 (called positionally by Pool.starmap)
    uri: str, name: str, worker: int, entry_ids: list[str], expected: str, targets: list[str]
) -> list[tuple[str, str | None]]:
    """Try to move every entry from ``expected``; worker i aims at ``targets[i % len]``."""
    db = _db(uri, name)
    to = Status(targets[worker % len(targets)])
    _sync()
    won = []
    for entry_id in entry_ids:
        doc = transition(
            db,
            MINTS,
            ObjectId(entry_id),
            expected=Status(expected),
            to=to,
            node_id=f"node-{worker}",
            reason=f"race by worker {worker}",
        )
        won.append((entry_id, None if doc is None else doc["status"]))
    return won


def signature_race(
    uri: str, name: str, worker: int, entry_ids: list[str], node_id: str | None
) -> list[tuple[str, bool, bool]]:
    """Add this worker's signature twice to every entry; results (entry, first, second)."""
    db = _db(uri, name)
    node = node_id or f"node-{worker}"
    _sync()
    results = []
    for entry_id in entry_ids:
        args: Any = {
            "expected": Status.STARTED,
            "node_id": node,
            "signer": f"0x{worker:040x}",
            "signature": f"{worker:02x}" * 65,
        }
        first = add_signature(db, MINTS, ObjectId(entry_id), **args)
        second = add_signature(db, MINTS, ObjectId(entry_id), **args)
        results.append((entry_id, first, second))
    return results


def lease_race(
    uri: str, name: str, worker: int, lease_names: list[str], ttl_s: float
) -> list[tuple[str, bool]]:
    db = _db(uri, name)
    _sync()
    return [(lease, leases.acquire(db, lease, f"node-{worker}", ttl_s)) for lease in lease_names]


def lease_renew(uri: str, name: str, worker: int, lease_names: list[str]) -> list[bool]:
    db = _db(uri, name)
    _sync()
    return [leases.renew(db, lease, f"node-{worker}", 30) for lease in lease_names]


def lease_mutual_exclusion(uri: str, name: str, worker: int, rounds: int) -> tuple[int, int]:
    """Enter a critical section guarded by one lease ``rounds`` times; returns
    (times held, times another holder was seen inside)."""
    db = _db(uri, name)
    me = f"node-{worker}"
    held = violations = 0
    _sync()
    deadline = time.monotonic() + 30
    while held < rounds and time.monotonic() < deadline:
        if not leases.acquire(db, "critical", me, 30):
            time.sleep(0.002 * (worker + 1))
            continue
        held += 1
        before = db["critical_section"].find_one_and_update(
            {"_id": "cs"},
            {"$inc": {"inside": 1}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        if before is not None and before.get("inside", 0) != 0:
            violations += 1
        db["critical_section"].update_one({"_id": "cs"}, {"$inc": {"inside": -1}})
        assert leases.release(db, "critical", me)
    return held, violations


def node_race(uri: str, name: str, worker: int, node_ids: list[str]) -> int:
    """Every worker writes its heartbeat and a cursor into the same, new node documents."""
    db = _db(uri, name)
    _sync()
    for node_id in node_ids:
        nodes.heartbeat(db, node_id, f"w{worker}", height=worker)
        nodes.set_cursor(db, node_id, f"c{worker}", worker * 10)
    return worker
