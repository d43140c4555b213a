"""The devnet's metrics receiver: a real Prometheus Pushgateway the nodes push to, and a real
Prometheus that scrapes it and evaluates the shipped alert rules (``deploy/monitoring``).

Both come from Debian's packages (``prometheus``, ``prometheus-pushgateway``; ``make
monitoring`` installs them). They listen on loopback only, started and stopped with the devnet.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import yaml

from wpokt_devnet.mongo import free_port
from wpokt_devnet.processes import Service, spawn
from wpokt_node.errors import WpoktError

RULES = Path(__file__).resolve().parents[2] / "deploy" / "monitoring" / "alerts.yml"
INSTALL_HINT = "apt-get install prometheus prometheus-pushgateway (or: make monitoring)"
SCRAPE_INTERVAL = "1s"
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
    service = spawn(
        "pushgateway",
        [gateway, f"--web.listen-address=127.0.0.1:{gateway_port}"],
        logs / "pushgateway.log",
    )
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
