"""The devnet's metrics receiver: a real Prometheus Pushgateway the nodes push to, and a real
Prometheus that scrapes it and evaluates the shipped alert rules (``deploy/monitoring``).

Both come from Debian's packages (``prometheus``, ``prometheus-pushgateway``; ``make
monitoring`` installs them). They listen on loopback only, started and stopped with the devnet.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
import yaml

from wpokt_devnet.mongo import free_port
from wpokt_devnet.processes import Service, spawn
from wpokt_node.errors import WpoktError

RULES = Path(__file__).resolve().parents[2] / "deploy" / "monitoring" / "alerts.yml"
INSTALL_HINT = "apt-get install prometheus prometheus-pushgateway (or: make monitoring)"
SCRAPE_INTERVAL = "2s"
JOB = "wpokt-node"


class MonitoringError(WpoktError):
    """The metrics receiver cannot be started or answered badly."""


def binaries() -> tuple[str, str]:
    """Prometheus and the Pushgateway, or a clear error naming the packages."""
    prometheus = shutil.which("prometheus")
    gateway = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")
    if prometheus is None or gateway is None:
        raise MonitoringError(f"devnet metrics need Prometheus and its Pushgateway: {INSTALL_HINT}")
    return prometheus, gateway


def prometheus_config(gateway_url: str, rules: Path | None) -> dict[str, Any]:
    """Scrape the gateway as every deployment does: ``honor_labels`` keeps the nodes' own
    ``job``, ``node`` and ``worker``."""
    config: dict[str, Any] = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": "2s"},
        "scrape_configs": [
            {
                "job_name": "pushgateway",
                "honor_labels": True,
                "static_configs": [{"targets": [gateway_url.removeprefix("http://")]}],
            }
        ],
    }
    if rules is not None:
        config["rule_files"] = [str(rules)]
    return config


def start(
    directory: Path, record: Callable[[Service], None], say: Callable[[str], None]
) -> dict[str, str]:
    """Start the gateway, then Prometheus; returns their URLs (``pushgateway_url``,
    ``prometheus_url``) once both answer ready."""
    prometheus, gateway = binaries()
    logs = directory / "logs"
    gateway_port, prometheus_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    # Its own state file (Debian's default is one shared /var/lib file); 48 workers push to
    # one gateway on a small box, so the per-push check of every group is left out.
    argv = [gateway, f"--web.listen-address=127.0.0.1:{gateway_port}",
            f"--persistence.file={directory / 'pushgateway.data'}",
            "--push.disable-consistency-check"]  # fmt: skip
    service = spawn("pushgateway", argv, logs / "pushgateway.log")
    record(service)
    wait_ready("the Pushgateway", gateway_url, service)
    config_path = directory / "prometheus.yml"
    rules = RULES if RULES.is_file() else None
    config_path.write_text(yaml.safe_dump(prometheus_config(gateway_url, rules)), encoding="utf-8")
    prometheus_url = f"http://127.0.0.1:{prometheus_port}"
    argv = [prometheus, f"--config.file={config_path}"]
    argv += [f"--storage.tsdb.path={directory / 'prometheus-data'}"]
    argv += [f"--web.listen-address=127.0.0.1:{prometheus_port}"]
    service = spawn("prometheus", argv, logs / "prometheus.log")
    record(service)
    wait_ready("Prometheus", prometheus_url, service)
    say(f"metrics: Pushgateway {gateway_url}, Prometheus {prometheus_url}")
    return {"pushgateway_url": gateway_url, "prometheus_url": prometheus_url}


def wait_ready(what: str, url: str, service: Service, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/-/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise MonitoringError(f"{what} did not become ready within {timeout_s:.0f}s; see {service.log}")


def query(prometheus_url: str, promql: str) -> list[dict[str, Any]]:
    """The result vector of an instant query (Prometheus' HTTP API)."""
    response = requests.get(f"{prometheus_url}/api/v1/query", params={"query": promql}, timeout=10)
    body = response.json()
    if response.status_code != 200 or body.get("status") != "success":
        raise MonitoringError(f"Prometheus refused {promql!r}: {body.get('error', response.text)}")
    result = body["data"]["result"]
    return list(result) if isinstance(result, list) else []


def firing_alerts(prometheus_url: str) -> list[dict[str, Any]]:
    response = requests.get(f"{prometheus_url}/api/v1/alerts", timeout=10)
    alerts = response.json()["data"]["alerts"]
    return [a for a in alerts if a.get("state") == "firing"]


SHOT_QUERIES = (
    'sum by (status) (max by (collection, status) (wpokt_entries{job="wpokt-node"}))',
    'sum by (node) (rate(wpokt_signatures_total{job="wpokt-node"}[1m])) * 60',
    'max by (vault) (wpokt_vault_balance_upokt{job="wpokt-node",vault="current"}) '
    'or max by (token) (wpokt_total_supply{job="wpokt-node"})',
)


def graph_url(prometheus_url: str, queries: tuple[str, ...], range_input: str) -> str:
    """Prometheus' own graph page with one graph per query (``g0``, ``g1``, ...)."""
    params: list[tuple[str, str]] = []
    for index, promql in enumerate(queries):
        params += [(f"g{index}.expr", promql), (f"g{index}.tab", "0"),
                   (f"g{index}.range_input", range_input)]  # fmt: skip
    return f"{prometheus_url}/graph?{urlencode(params)}"


def screenshot(url: str, out: Path, *, width: int = 1400, height: int = 2700) -> None:
    """The page as a PNG, by Debian's headless Chromium (the flags keep it off the network)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise MonitoringError("the screenshot needs Debian's chromium (make chromium)")
    with tempfile.TemporaryDirectory() as profile:
        argv = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--virtual-time-budget=15000", f"--window-size={width},{height}",
                f"--screenshot={out}", url]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not out.is_file():
        raise MonitoringError(f"chromium could not take the screenshot: {done.stderr[-300:]}")
