"""The shipped alert rules: valid for Prometheus, every alert unit-tested by ``promtool test
rules`` (firing and silent), the tests able to fail, and every metric they name one the node
exports; the shipped Grafana dashboard is well formed and queries only those metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import wpokt_node.metrics  # noqa: F401 - registers the node's metrics in REGISTRY

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
RULES = MONITORING / "alerts.yml"
RULE_TESTS = MONITORING / "alerts_test.yml"
DASHBOARD = MONITORING / "grafana-dashboard.json"
# Series that Prometheus or the Pushgateway adds, not the node.
RECEIVER_SERIES = {"push_time_seconds", "ALERTS"}
_METRIC = re.compile(r"\b((?:wpokt|process|python)_[a-z_]+|push_time_seconds)\b")


def promtool(*args: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: make monitoring (Debian's prometheus package)")
    return subprocess.run(
        [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def exported_names() -> set[str]:
    """Every sample name the node's registry can export (counters' ``_total``, histograms'
    ``_bucket`` and so on included)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(
            f"{family.name}{suffix}"
            for suffix in ("_total", "_bucket", "_count", "_sum", "_created")
        )
    return names


def test_the_rules_are_valid_for_prometheus() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules())} rules found" in checked.stdout


def test_promtool_unit_tests_pass() -> None:
    tested = promtool("test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_test_that_expects_it_to_fire() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    fired = {
        check["alertname"]
        for case in cases
        for check in case.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    assert {rule["alert"] for rule in rules()} <= fired


def test_the_rule_tests_fail_when_a_threshold_moves(tmp_path: Path) -> None:
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    text = RULES.read_text(encoding="utf-8")
    moved = text.replace("wpokt_worker_consecutive_errors{job=\"wpokt-node\"} >= 3",
                         "wpokt_worker_consecutive_errors{job=\"wpokt-node\"} >= 30")  # fmt: skip
    assert moved != text
    (tmp_path / RULES.name).write_text(moved, encoding="utf-8")
    tested = promtool("test", "rules", RULE_TESTS.name, cwd=tmp_path)
    assert tested.returncode != 0
    assert "WpoktWorkerFailing" in tested.stdout + tested.stderr


def test_the_rules_name_only_metrics_the_node_exports() -> None:
    exported = exported_names() | RECEIVER_SERIES
    named = {m for rule in rules() for m in _METRIC.findall(rule["expr"])}
    assert named
    assert named <= exported, sorted(named - exported)


def test_the_dashboard_is_well_formed_and_queries_exported_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"]
    assert dashboard["schemaVersion"] >= 36
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        own = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
               for y in range(grid["y"], grid["y"] + grid["h"])}  # fmt: skip
        assert not own & cells, f"{panel['title']} overlaps another panel"
        cells |= own
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    exported = exported_names() | RECEIVER_SERIES | {"process_resident_memory_bytes"}
    named = {m for p in panels for t in p["targets"] for m in _METRIC.findall(t["expr"])}
    assert named
    assert named <= exported, sorted(named - exported)
