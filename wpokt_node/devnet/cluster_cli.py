"""``wpokt-node devnet up|down``: the whole local bridge."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from wpokt_node.devnet.cli import devnet_commands
from wpokt_node.devnet.cluster import DevnetOptions, down, up


def register(subparsers: Any) -> None:
    group = devnet_commands(subparsers)
    start = group.add_parser("up", help="start database, anvil, Pocket simulator and N nodes")
    start.add_argument("--dir", required=True, type=Path, help="devnet directory (state, logs)")
    start.add_argument("--nodes", type=int, default=12)
    start.add_argument("--threshold", type=int, default=9)
    start.add_argument("--block-time", type=float, default=1.0, metavar="S",
                       help="seconds per block on both chains")  # fmt: skip
    start.add_argument("--interval", type=float, default=1.0, metavar="S",
                       help="worker interval of every node")  # fmt: skip
    start.set_defaults(handler=_up)
    stop = group.add_parser("down", help="stop everything `devnet up` started in DIR")
    stop.add_argument("--dir", required=True, type=Path)
    stop.set_defaults(handler=_down)


def _up(args: argparse.Namespace) -> int:
    options = DevnetOptions(
        nodes=args.nodes,
        threshold=args.threshold,
        eth_block_time_s=args.block_time,
        pokt_block_time_s=args.block_time,
        worker_interval_s=args.interval,
        mongodb_uri=os.environ.get("MONGODB_URI") or None,
    )
    devnet = up(args.dir, options, progress=lambda message: print(message, flush=True))
    print(f"devnet up: {len(devnet.node_ids)} nodes healthy; state in {devnet.dir}")
    return 0


def _down(args: argparse.Namespace) -> int:
    killed = down(args.dir)
    if killed:
        print(f"devnet down (had to kill: {', '.join(killed)})")
    else:
        print("devnet down")
    return 0
