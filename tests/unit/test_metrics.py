"""Metrics: labels stay a closed set, a dead gateway never blocks a worker, and the supply
monitor pauses the bridge only on a breach it has seen twice, with the evidence."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import mongomock
import pytest
from prometheus_client import CollectorRegistry, Counter

from tests.unit.test_config import example_data
from wpokt_node.config import MetricsSettings, Settings, parse_settings
from wpokt_node.db.control import read_bridge_pause, set_bridge_pause
from wpokt_node.errors import ChainError
from wpokt_node.metrics import PUSH_FAILURES, SUPPLY_CHECKS, SUPPLY_SHORTFALL, label
from wpokt_node.node.metrics import MetricsPusher
from wpokt_node.node.supply import SupplyMonitor, SupplyReading


def settings(**supply: Any) -> Settings:
    data = example_data()
    data["supply"] = {"interval_s": 60, **supply}
    return parse_settings(data, {})


def database() -> Any:
    return mongomock.MongoClient(tz_aware=True)["wpokt"]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_labels_never_carry_free_text() -> None:
    assert label("order_differs") == "order_differs"
    assert label("not_ready") == "not_ready"
    assert label("the bridge is paused (by alice)") == "other"
    assert label("x" * 41) == "other"
    assert label("Signed") == "other"


def test_an_unreachable_gateway_is_counted_and_never_blocks() -> None:
    metrics = MetricsSettings(
        pushgateway_url=f"http://127.0.0.1:{closed_port()}", push_interval_s=0.05, push_timeout_s=1
    )
    registry = CollectorRegistry()
    Counter("probe", "a metric to push", registry=registry).inc()
    before = PUSH_FAILURES._value.get()
    pusher = MetricsPusher(metrics, "node-01", "pokt-watcher", registry=registry)
    started = time.monotonic()
    assert pusher.push_once() is False
    assert time.monotonic() - started < 1.0
    pusher.start()
    deadline = time.monotonic() + 5
    while PUSH_FAILURES._value.get() < before + 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    pusher.stop()
    assert PUSH_FAILURES._value.get() >= before + 3
    assert pusher.pushes == 0
    assert not any(t.name == "metrics-push" and t.is_alive() for t in threading.enumerate())


def test_the_gateway_url_holds_no_credentials() -> None:
    data = example_data()
    data["metrics"] = {"pushgateway_url": "https://ops:secret@gateway.internal:9091"}
    with pytest.raises(Exception, match="pushgateway_url"):
        parse_settings(data, {})


class Chains:
    """Readings served in order; an exception in the list is raised instead."""

    def __init__(self, *readings: SupplyReading | Exception) -> None:
        self.readings = list(readings)

    def __call__(self) -> SupplyReading:
        reading = self.readings.pop(0)
        if isinstance(reading, Exception):
            raise reading
        return reading


BACKED = SupplyReading(supply=1_000, vault=900, retired={"pokt1old": 150})
SHORT = SupplyReading(supply=1_000, vault=900, retired={})


def test_given_a_backed_supply_when_checked_then_nothing_is_paused() -> None:
    db = database()
    monitor = SupplyMonitor(settings(), db, Chains(BACKED))
    assert monitor.check() == BACKED
    assert BACKED.backing == 1_050
    assert BACKED.shortfall == 0
    assert monitor.breaches == 0
    assert read_bridge_pause(db).paused is False


def test_given_a_shortfall_within_the_tolerance_then_it_is_backed() -> None:
    db = database()
    monitor = SupplyMonitor(settings(tolerance_upokt=100), db, Chains(SHORT, SHORT, SHORT))
    for _ in range(3):
        monitor.check()
    assert monitor.breaches == 0
    assert read_bridge_pause(db).paused is False


def test_given_a_breach_seen_twice_then_the_bridge_is_paused_with_the_evidence() -> None:
    db = database()
    breaches = SUPPLY_CHECKS.labels("breach")._value.get()
    monitor = SupplyMonitor(settings(), db, Chains(SHORT, SHORT))
    monitor.check()
    assert read_bridge_pause(db).paused is False  # once may be a burn paid between two reads
    monitor.check()
    pause = read_bridge_pause(db)
    assert pause.paused is True
    assert pause.by == "supply-monitor@node-01"
    assert pause.reason is not None
    assert "totalSupply 1000 exceeds the vaults' 900 upokt" in pause.reason
    assert "by 100, beyond the tolerance 0" in pause.reason
    assert SUPPLY_CHECKS.labels("breach")._value.get() == breaches + 2
    token = settings().ethereum.token_address
    assert SUPPLY_SHORTFALL.labels(token)._value.get() == 100


def test_given_a_breach_between_backed_readings_then_nothing_is_paused() -> None:
    db = database()
    monitor = SupplyMonitor(settings(), db, Chains(SHORT, BACKED, SHORT, BACKED))
    for _ in range(4):
        monitor.check()
    assert read_bridge_pause(db).paused is False


def test_given_pause_on_breach_off_then_a_breach_only_alerts() -> None:
    db = database()
    monitor = SupplyMonitor(settings(pause_on_breach=False), db, Chains(SHORT, SHORT, SHORT))
    for _ in range(3):
        monitor.check()
    assert monitor.breaches == 3
    assert read_bridge_pause(db).paused is False


def test_given_an_operator_pause_then_the_monitor_does_not_overwrite_its_reason() -> None:
    db = database()
    set_bridge_pause(db, paused=True, by="alice@node-02", reason="maintenance")
    monitor = SupplyMonitor(settings(), db, Chains(SHORT, SHORT))
    monitor.check()
    monitor.check()
    pause = read_bridge_pause(db)
    assert (pause.by, pause.reason, pause.seq) == ("alice@node-02", "maintenance", 1)


def test_given_an_unreadable_chain_then_the_check_is_an_error_and_no_breach() -> None:
    db = database()
    errors = SUPPLY_CHECKS.labels("error")._value.get()
    monitor = SupplyMonitor(
        settings(), db, Chains(SHORT, ChainError("Pocket REST down"), SHORT, SHORT)
    )
    assert monitor.check() == SHORT
    assert monitor.check() is None
    assert SUPPLY_CHECKS.labels("error")._value.get() == errors + 1
    assert monitor.breaches == 1  # an error neither confirms nor clears a breach
    monitor.check()
    assert read_bridge_pause(db).paused is True


def test_the_check_runs_on_its_own_clock() -> None:
    now = [0.0]
    monitor = SupplyMonitor(settings(), database(), Chains(BACKED, BACKED), clock=lambda: now[0])
    assert monitor.run_if_due() == BACKED
    now[0] = 59.0
    assert monitor.run_if_due() is None
    now[0] = 60.0
    assert monitor.run_if_due() == BACKED


def test_the_fees_of_migration_sweeps_count_as_backing() -> None:
    # A retired vault swept into the current one paid 30 upokt in fees out of the backing
    swept = SupplyReading(supply=1_000, vault=970, retired={"pokt1old": 0}, sweep_fees=30)
    assert swept.shortfall == 0
    db = database()
    monitor = SupplyMonitor(settings(), db, Chains(swept, swept))
    monitor.check()
    monitor.check()
    assert read_bridge_pause(db).paused is False
    unswept = SupplyReading(supply=1_000, vault=970, retired={"pokt1old": 0}, sweep_fees=0)
    assert unswept.shortfall == 30
    assert "their sweeps' fees 0" in unswept.evidence(0)
