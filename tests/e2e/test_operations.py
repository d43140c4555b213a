"""Operations on the live 12-node devnet: the nodes' metrics arrive in a real Prometheus (through
a real Pushgateway), agree with the chains, drive the shipped alert rules, and answer every
query of the shipped Grafana dashboard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from tests.e2e.helpers import fresh_eth_address, wait_executed, wait_for
from wpokt_devnet.actions import deposit, snapshot
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.monitoring import firing_alerts, query
from wpokt_node.db.control import set_bridge_pause
from wpokt_node.db.schema import MINTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

Document = dict[str, Any]
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "monitoring" / "grafana-dashboard.json"
WORKERS = ("pokt-watcher", "mint-executor", "burn-watcher", "release-executor")
# Panels over counters that only exist once something went wrong (a refusal, a failed RPC).
ONLY_ON_TROUBLE = ("wpokt_signature_refusals_total", "wpokt_rpc_errors_total")


def prometheus(devnet: Devnet) -> str:
    return str(devnet.state["prometheus_url"])


def values(devnet: Devnet, promql: str) -> dict[str, float]:
    """``{node: value}`` of an instant query whose series carry a ``node`` label."""
    return {
        str(row["metric"].get("node")): float(row["value"][1])
        for row in query(prometheus(devnet), promql)
    }


def test_every_worker_of_every_node_pushes_to_the_receiver(devnet: Devnet) -> None:
    def all_fresh() -> bool:
        rows = query(prometheus(devnet), 'time() - push_time_seconds{job="wpokt-node"} < 30')
        seen = {(r["metric"]["node"], r["metric"]["worker"]) for r in rows}
        return seen == {(n, w) for n in devnet.node_ids for w in WORKERS}

    wait_for("48 workers pushing in the last 30 s (every 5 s)", all_fresh, 180)


def test_the_metrics_agree_with_the_chains(devnet: Devnet, db: Database[Document]) -> None:
    transaction = deposit(devnet, 3_000_000, fresh_eth_address())
    wait_executed(db, MINTS, transaction)
    chains = snapshot(devnet)

    def supply_seen() -> bool:
        supply = values(devnet, "wpokt_total_supply")
        vault = values(devnet, 'wpokt_vault_balance_upokt{vault="current"}')
        return (
            set(supply) == set(devnet.node_ids)
            and set(supply.values()) == {float(chains.wpokt_supply)}
            and set(vault.values()) == {float(chains.vault_balance)}
        )

    wait_for("every node's supply check to read the chains' numbers", supply_seen, 60)
    assert set(values(devnet, "wpokt_supply_shortfall_upokt").values()) == {0.0}
    signed = values(devnet, 'sum by (node) (wpokt_signatures_total{collection="mints"})')
    assert len([n for n, count in signed.items() if count > 0]) >= 9
    heads = values(devnet, 'wpokt_chain_head_block{chain="pocket"}')
    assert len(heads) == 12
    assert min(heads.values()) > 0
    gas = values(devnet, "wpokt_gas_balance_wei")
    assert len(gas) == 12
    assert all(balance > 0 for balance in gas.values())
    members = values(devnet, "wpokt_member_balance_upokt")
    assert len(members) == 12
    assert all(balance > 0 for balance in members.values())


def test_a_cluster_pause_raises_the_paused_alert_and_a_resume_clears_it(
    devnet: Devnet, db: Database[Document]
) -> None:
    url = prometheus(devnet)

    def paused_alerts() -> set[str]:
        rows = query(url, 'ALERTS{alertname="WpoktPaused",scope="cluster"}')
        return {str(r["metric"]["node"]) for r in rows}

    assert paused_alerts() == set()
    set_bridge_pause(db, paused=True, by="test@operations", reason="alert rule check")
    try:
        wait_for(
            "WpoktPaused (cluster) pending for all 12 nodes",
            lambda: paused_alerts() == set(devnet.node_ids),
            60,
        )
    finally:
        set_bridge_pause(db, paused=False, by="test@operations", reason="alert rule check")
    wait_for("WpoktPaused to clear after the resume", lambda: paused_alerts() == set(), 60)


def test_no_critical_alert_fires_on_the_healthy_devnet(devnet: Devnet) -> None:
    firing = firing_alerts(prometheus(devnet))
    critical = [a["labels"] for a in firing if a["labels"].get("severity") == "critical"]
    assert critical == []


def test_every_dashboard_query_runs_on_the_real_metrics(devnet: Devnet) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    empty = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            rows = query(prometheus(devnet), target["expr"])  # raises on a bad query
            if not rows and not any(m in target["expr"] for m in ONLY_ON_TROUBLE):
                empty.append(f"{panel['title']}: {target['expr']}")
    assert empty == []
