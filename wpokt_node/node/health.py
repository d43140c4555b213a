"""``wpokt-node health``: exit 0 when this node's four workers beat recently, else 1.

Docker's HEALTHCHECK runs it every 30 s next to the node, so ``wpokt-node health`` takes a short
path (``cli.main``): it imports the config, the database client and the status reader, not the
other commands nor the chains' clients.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from wpokt_node.config import load_config
from wpokt_node.db.client import connect_settings
from wpokt_node.errors import WpoktError
from wpokt_node.node.status import node_health
from wpokt_node.secret import redact


def add_health_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_health(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    db = connect_settings(settings)
    try:
        report = node_health(db, settings.node_id, settings.workers.heartbeat_stale_s)
    finally:
        db.client.close()
    if args.json:
        rows = [{"worker": w.worker, "healthy": w.healthy, "age_s": w.age_s,
                 "last_error": w.last_error} for w in report]  # fmt: skip
        print(json.dumps({"node_id": settings.node_id, "workers": rows}, sort_keys=True))
    for line in [] if args.json else report:
        age = "never" if line.age_s is None else f"{line.age_s:.1f}s ago"
        state = "ok" if line.healthy else "STALE"
        error = f"  last error: {line.last_error}" if line.last_error else ""
        print(f"{line.worker:<14} {state:<5} heartbeat {age}{error}")
    return 0 if all(line.healthy for line in report) else 1


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="wpokt-node health",
        description="exit 0 if all four workers of this node beat recently, else 1",
    )
    add_health_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_health(args)
    except WpoktError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
