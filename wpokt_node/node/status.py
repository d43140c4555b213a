"""What ``wpokt-node health`` and ``wpokt-node status`` read from the shared database.

A ``failed`` refund means coins a depositor sent are still in the vault (not payable by the
node: several senders, other coins, below the minimum...): ``status`` lists each one that has
no ``resolution`` yet, for an operator (docs/runbooks/unrefundable-deposit.md).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from wpokt_node.db.control import BridgePause, read_bridge_pause
from wpokt_node.db.nodes import node_document
from wpokt_node.db.schema import ENTRY_COLLECTIONS, NODES, OPEN_STATUSES, REFUNDS, Status
from wpokt_node.mint.daily_cap import minted_in_window
from wpokt_node.node.supervisor import WORKER_NAMES
from wpokt_node.secret import redact

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class WorkerHealth:
    worker: str
    healthy: bool
    age_s: float | None
    last_error: str | None


def node_health(
    db: Database[Document],
    node_id: str,
    stale_after_s: float,
    *,
    now_ms: int | None = None,
    workers: Sequence[str] = WORKER_NAMES,
) -> list[WorkerHealth]:
    """One line per worker: healthy when its last heartbeat is younger than ``stale_after_s``."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    beats = ((node_document(db, node_id) or {}).get("workers")) or {}
    report = []
    for worker in workers:
        beat = beats.get(worker) or {}
        at_ms = beat.get("at_ms")
        age = None if not isinstance(at_ms, int) else max(0.0, (now - at_ms) / 1000)
        report.append(
            WorkerHealth(
                worker=worker,
                healthy=age is not None and age <= stale_after_s,
                age_s=age,
                last_error=redact(str(beat["last_error"])) if beat.get("last_error") else None,
            )
        )
    return report


@dataclass(slots=True)
class ClusterStatus:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    stuck: list[dict[str, Any]] = field(default_factory=list)
    unsigned_by_node: dict[str, list[str]] = field(default_factory=dict)
    bridge_pause: BridgePause = field(default_factory=lambda: BridgePause(paused=False))
    paused_nodes: list[str] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    minted_24h: int = 0
    needs_operator: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "stuck": self.stuck,
            "unsigned_by_node": self.unsigned_by_node,
            "bridge_pause": self.bridge_pause.to_json(),
            "paused_nodes": self.paused_nodes,
            "held": self.held,
            "minted_24h": str(self.minted_24h),
            "needs_operator": self.needs_operator,
        }


def _paused_by_config(node: Document) -> bool:
    workers = node.get("workers")
    if not isinstance(workers, dict):
        return False
    return any(isinstance(w, dict) and w.get("paused") in (True, 1) for w in workers.values())


def unresolved_refunds(db: Database[Document]) -> list[dict[str, Any]]:
    """Failed refunds without a ``resolution``: deposits an operator must pay back by hand
    (or mark resolved), oldest first."""
    found = db[REFUNDS].find(
        {"status": Status.FAILED.value},
        projection={
            "transaction_hash": 1,
            "reason": 1,
            "error": 1,
            "amount": 1,
            "from_address": 1,
            "resolution": 1,
            "created_at": 1,
        },
    )
    rows = [d for d in found if not isinstance(d.get("resolution"), dict)]
    rows.sort(key=lambda d: str(d.get("created_at", "")))
    return [
        {
            "collection": REFUNDS,
            "id": str(d["_id"]),
            "transaction_hash": d.get("transaction_hash"),
            "reason": d.get("reason"),
            "error": d.get("error"),
            "amount": d.get("amount"),
            "from_address": d.get("from_address"),
        }
        for d in rows
    ]


def cluster_status(
    db: Database[Document], *, stuck_after_s: float, known_nodes: Sequence[str] = ()
) -> ClusterStatus:
    status = ClusterStatus()
    cutoff = datetime.now(UTC) - timedelta(seconds=stuck_after_s)
    node_docs = list(db[NODES].find({}, projection={"node_id": 1, "workers": 1}))
    nodes = set(known_nodes) | {str(doc["node_id"]) for doc in node_docs}
    status.paused_nodes = sorted(str(d["node_id"]) for d in node_docs if _paused_by_config(d))
    status.bridge_pause = read_bridge_pause(db)
    status.minted_24h = minted_in_window(db, int(time.time() * 1000))
    status.needs_operator = unresolved_refunds(db)
    for name in ENTRY_COLLECTIONS:
        counts = {s.value: 0 for s in Status}
        for row in db[name].aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}]):
            counts[str(row["_id"])] = int(row["n"])
        status.counts[name] = counts
        for entry in db[name].find(
            {"status": {"$in": list(OPEN_STATUSES)}},
            projection={
                "status": 1,
                "updated_at": 1,
                "transaction_hash": 1,
                "signers": 1,
                "held": 1,
                "held_detail": 1,
                "amount": 1,
            },
        ):
            if isinstance(entry.get("held"), str):
                status.held.append(
                    {
                        "collection": name,
                        "id": str(entry["_id"]),
                        "status": entry.get("status"),
                        "amount": entry.get("amount"),
                        "held": entry["held"],
                        "detail": entry.get("held_detail"),
                    }
                )
            updated = entry.get("updated_at")
            if isinstance(updated, datetime):
                updated = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
                if updated < cutoff:
                    status.stuck.append(
                        {
                            "collection": name,
                            "id": str(entry["_id"]),
                            "status": entry.get("status"),
                            "transaction_hash": entry.get("transaction_hash"),
                            "since": updated.isoformat(),
                        }
                    )
            if entry.get("status") == Status.STARTED.value:
                signed = set(entry.get("signers") or [])
                for node in sorted(nodes - signed):
                    status.unsigned_by_node.setdefault(node, []).append(f"{name}/{entry['_id']}")
    return status


GONE_AFTER_S = 86_400.0  # a node with no heartbeat for a day has left the cluster


def _node_trouble(node_id: str, doc: Document, report: list[WorkerHealth]) -> list[str]:
    held = signing_hold(doc)
    if held:
        return [f"{node_id}: signing held: {held}"]
    down = [w.worker for w in report if not w.healthy]
    return [f"{node_id}: worker(s) down: {', '.join(down)}"] if down else []


def signing_hold(node: Document) -> str | None:
    """What a node's own watches hold its signing for (``NodeContext.hold``), if any."""
    workers = node.get("workers")
    beats = workers.values() if isinstance(workers, dict) else []
    held = [str(b["hold"]) for b in beats if isinstance(b, dict) and b.get("hold")]
    return held[0][:300] if held else None


def _facts_of(node: Document) -> set[str]:
    """The cluster-facts hashes a node's workers report (``cluster_facts.cluster_facts_hash``)."""
    workers = node.get("workers")
    beats = workers.values() if isinstance(workers, dict) else []
    return {
        str(b["cluster_facts"]) for b in beats if isinstance(b, dict) and b.get("cluster_facts")
    }


def degradations(
    db: Database[Document],
    status: ClusterStatus,
    *,
    threshold: int,
    stale_after_s: float,
    stuck_after_s: float,
) -> list[str]:
    """Why the cluster is degraded (none: healthy), each a line an alarm can show: nodes that
    run different cluster facts, fewer than ``threshold`` nodes with every worker beating and
    not paused, a node with a worker down, entries stuck past ``stuck_after_s``, the bridge
    paused."""
    problems: list[str] = []
    healthy = 0
    facts: dict[str, list[str]] = {}
    for doc in db[NODES].find({}, projection={"node_id": 1, "workers": 1}):
        node_id = str(doc.get("node_id"))
        report = node_health(db, node_id, stale_after_s)
        ages = [w.age_s for w in report if w.age_s is not None]
        if not ages or min(ages) > GONE_AFTER_S:
            continue
        for digest in _facts_of(doc):
            facts.setdefault(digest, []).append(node_id)
        trouble = _node_trouble(node_id, doc, report)
        problems += trouble
        healthy += not trouble and node_id not in status.paused_nodes
    if len(facts) > 1:
        shown = "; ".join(f"{d}: {', '.join(sorted(n))}" for d, n in sorted(facts.items()))
        problems.append(f"nodes run different cluster facts (config hash: nodes): {shown}")
    if healthy < threshold:
        problems.append(f"only {healthy} healthy signing nodes, below the threshold {threshold}")
    if status.stuck:
        problems.append(f"{len(status.stuck)} entries unchanged for more than {stuck_after_s:.0f}s")
    if status.bridge_pause.paused:
        problems.append(f"the bridge is paused ({status.bridge_pause.describe()})")
    return problems
