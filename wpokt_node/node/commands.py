"""Node commands: ``run``, ``health``, ``status``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings, load_config
from wpokt_node.db.client import connect_settings
from wpokt_node.db.schema import NODES
from wpokt_node.node.health import add_health_arguments, run_health
from wpokt_node.node.run import add_run_arguments, run_node
from wpokt_node.node.status import (
    ClusterStatus,
    cluster_status,
    degradations,
    node_health,
    signing_hold,
)
from wpokt_node.node.status_page import NodeRow, render_status_page, write_status_page

MAX_LISTED = 20
Document = dict[str, Any]


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="run this node: startup checks, then the four workers")
    add_run_arguments(run)
    run.set_defaults(handler=_run)

    health = commands.add_parser(
        "health", help="exit 0 if all four workers of this node beat recently, else 1"
    )
    add_health_arguments(health)
    health.set_defaults(handler=run_health)

    status = commands.add_parser(
        "status",
        help="entries by status, stuck entries, who has not signed what, failed refunds "
        "needing an operator; exit 1 when degraded (fewer than T healthy nodes, a worker down, "
        "entries stuck, the bridge paused)",
    )
    status.add_argument("--config", required=True, type=Path)
    status.add_argument("--stuck-after", type=float, default=900.0, metavar="SECONDS")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the status as one self-contained HTML page (no server, no script)",
    )
    status.set_defaults(handler=_status)


def _run(args: argparse.Namespace) -> int:
    return run_node(args.config, skip_startup_checks=args.skip_startup_checks)


_HELD_TEXT = {
    "daily_mint_cap": "daily cap",
    "mint_limit": "the on-chain mint limit",
    "fee_dust": "the token's mint fee (amount not a multiple of 10000; runbooks/held-mint.md)",
    "over_max_mint_limit": "the MintController's maxMintLimit (runbooks/held-mint.md)",
}


def _status(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    db = connect_settings(settings)
    try:
        status = cluster_status(db, stuck_after_s=args.stuck_after)
        problems = degradations(
            db,
            status,
            threshold=settings.cluster.threshold,
            stale_after_s=settings.workers.heartbeat_stale_s,
            stuck_after_s=args.stuck_after,
        )
        if args.html is not None:
            _write_page(args.html, db, status, problems, settings, args.stuck_after)
    finally:
        db.client.close()
    if args.json:
        json.dump({**status.to_json(), "problems": problems}, sys.stdout, indent=2, sort_keys=True)
        print()
        return 1 if problems else 0
    print(f"bridge   {status.bridge_pause.describe()}")
    if status.paused_nodes:
        print(f"paused nodes (caps.paused): {', '.join(status.paused_nodes)}")
    cap = settings.caps.daily_mint_cap_upokt
    cap_text = f" of daily cap {cap}" if cap is not None else " (no daily cap)"
    print(f"minted in the last 24 h: {status.minted_24h}{cap_text}")
    for collection, counts in status.counts.items():
        shown = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        print(f"{collection:<8} {shown or 'empty'}")
    print(f"stuck (no change for {args.stuck_after:.0f}s): {len(status.stuck)}")
    for entry in status.stuck:
        print(f"  {entry['collection']}/{entry['id']} {entry['status']} since {entry['since']}")
    if status.held:
        print(f"held (waiting for a limit): {len(status.held)}")
    for held in status.held:
        reason = _HELD_TEXT.get(held["held"], held["held"])
        print(
            f"  {held['collection']}/{held['id']} {held['status']} amount {held['amount']} "
            f"held by {reason}" + (f" ({held['detail']})" if held.get("detail") else "")
        )
    for node, entries in sorted(status.unsigned_by_node.items()):
        print(f"{node} has not signed {len(entries)} started entries: {', '.join(entries[:10])}")
    print_needs_operator(status.needs_operator)
    for problem in problems:
        print(f"DEGRADED {problem}")
    return 1 if problems else 0


def _write_page(  # noqa: PLR0917 (the status command's own values, once)
    path: Path,
    db: Database[Document],
    status: ClusterStatus,
    problems: list[str],
    settings: Settings,
    stuck_after_s: float,
) -> None:
    stale = settings.workers.heartbeat_stale_s
    nodes = [
        NodeRow(str(doc["node_id"]), node_health(db, str(doc["node_id"]), stale), signing_hold(doc))
        for doc in db[NODES].find({}, projection={"node_id": 1, "workers": 1}).sort("node_id", 1)
    ]
    page = render_status_page(
        status, problems, nodes, generated_at=datetime.now(UTC), stuck_after_s=stuck_after_s
    )
    write_status_page(path, page)
    print(f"status page written to {path}", file=sys.stderr)


def print_needs_operator(rows: list[dict[str, Any]]) -> None:
    """Failed refunds nobody resolved yet: coins still in the vault that belong to a sender."""
    if not rows:
        return
    print(
        f"failed refunds needing an operator: {len(rows)} (docs/runbooks/unrefundable-deposit.md)"
    )
    for row in rows[:MAX_LISTED]:
        print(
            f"  {row['collection']}/{row['id']} tx {row['transaction_hash']} "
            f"{row['reason']}: {row['error']}"
        )
    if len(rows) > MAX_LISTED:
        print(f"  ... and {len(rows) - MAX_LISTED} more (status --json lists all)")
