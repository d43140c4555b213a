"""A node's ``healthchecks`` document in the shape of the frontend's ``types/health.ts``
(written by wpokt-validator's ``app/health.go`` before), from the node's own heartbeats in
``nodes``: healthy when every worker beat within ``workers.heartbeat_stale_s`` (what
``wpokt-node status`` calls stale), without an error or a hold."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wpokt_node.frontend.shapes import ViewFacts

Document = dict[str, Any]

WORKERS = ("pokt-watcher", "mint-executor", "burn-watcher", "release-executor")


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What a node's health document says about its keys and its peers."""

    node_id: str
    pokt_public_key: str  # hex, compressed
    pokt_address: str
    eth_address: str
    pokt_signers: tuple[str, ...]
    eth_validators: tuple[str, ...]
    intervals_s: Mapping[str, float]  # each worker's interval: when its next pass comes
    stale_after_s: float


def health_view(
    node: Mapping[str, Any] | None, facts: ViewFacts, own: NodeFacts, now: datetime
) -> Document:
    """``now``: the database server's time, the clock that stamps the heartbeats."""
    workers = (node or {}).get("workers")
    beats: Mapping[str, Any] = workers if isinstance(workers, Mapping) else {}
    services = [_service(name, beats.get(name), own, now) for name in WORKERS]
    return {
        "pokt_vault_address": facts.vault_address,
        "pokt_signers": list(own.pokt_signers),
        "pokt_public_key": own.pokt_public_key,
        "pokt_address": own.pokt_address,
        "eth_validators": [v.lower() for v in own.eth_validators],
        "eth_address": own.eth_address.lower(),
        "wpokt_address": facts.wpokt_address,
        "hostname": socket.gethostname(),
        "validator_id": own.node_id,
        "healthy": all(s["healthy"] for s in services),
        "created_at": now,
        "updated_at": now,
        "service_healths": services,
    }


def _service(name: str, beat: object, own: NodeFacts, now: datetime) -> Document:
    report: Mapping[str, Any] = beat if isinstance(beat, Mapping) else {}
    at = report.get("at")
    last = at.replace(tzinfo=UTC) if isinstance(at, datetime) else datetime.fromtimestamp(0, UTC)
    fresh = now - last <= timedelta(seconds=own.stale_after_s)
    result = report.get("last_result")
    heights: Mapping[str, Any] = result if isinstance(result, Mapping) else {}
    return {
        "name": name,
        "healthy": fresh and not report.get("last_error") and not report.get("hold"),
        "eth_block_number": _height(heights, ("cursor",) if name == "burn-watcher" else ()),
        "pokt_height": _height(heights, ("latest_height",) if name == "pokt-watcher" else ()),
        "last_sync_time": last,
        "next_sync_time": last + timedelta(seconds=own.intervals_s.get(name, 0.0)),
    }


def _height(report: Mapping[str, Any], keys: Sequence[str]) -> str:
    for key in keys:
        value = report.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return ""
