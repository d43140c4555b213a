"""``wpokt-node devnet setup`` (the compose cluster's one-shot) and ``devnet compose``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wpokt_devnet.cli import devnet_commands
from wpokt_devnet.cluster_config import DevnetOptions
from wpokt_devnet.compose import render_compose
from wpokt_devnet.setup import ClusterLayout, chown_tree, is_set_up, setup_cluster
from wpokt_node.errors import ConfigError
from wpokt_node.logs import configure_logging


def register(subparsers: Any) -> None:
    group = devnet_commands(subparsers)
    setup = group.add_parser(
        "setup",
        help="deploy contracts on a running anvil, write Pocket genesis, node configs and keys",
    )
    setup.add_argument("--dir", required=True, type=Path, help="state dir (devnet.json, keys)")
    setup.add_argument(
        "--nodes-dir",
        required=True,
        type=Path,
        help="writes NODES_DIR/<node-id>/{config.yaml,keys/}",
    )
    setup.add_argument(
        "--genesis-file", required=True, type=Path, help="Pocket simulator genesis to write"
    )
    setup.add_argument("--eth-rpc", required=True, metavar="URL")
    setup.add_argument(
        "--pokt-rest",
        required=True,
        metavar="URL",
        help="the simulator's URL as the nodes will reach it",
    )
    uri = setup.add_mutually_exclusive_group(required=True)
    uri.add_argument("--mongodb-uri", metavar="URI", help="written into every node config")
    uri.add_argument(
        "--mongodb-uri-file",
        type=Path,
        metavar="FILE",
        help="read the node URI from FILE (keeps passwords off argv)",
    )
    setup.add_argument(
        "--init-db-uri-file",
        type=Path,
        metavar="FILE",
        help="URI with rights to create collections (default: the node URI)",
    )
    setup.add_argument("--database", default="wpokt")
    setup.add_argument("--nodes", type=int, default=12)
    setup.add_argument("--threshold", type=int, default=9)
    setup.add_argument(
        "--block-time",
        type=float,
        default=1.0,
        metavar="S",
        help="Pocket simulator seconds per block",
    )
    setup.add_argument(
        "--interval", type=float, default=2.0, metavar="S", help="worker interval of every node"
    )
    setup.add_argument(
        "--node-root",
        type=Path,
        default=Path("/etc/wpokt"),
        help="where each node sees its NODES_DIR/<id> directory",
    )
    setup.add_argument("--journal-path", type=Path, default=Path("/var/lib/wpokt/journal.sqlite3"))
    setup.add_argument("--pokt-state-file", type=Path, default=Path("/var/lib/pokt-sim/state.json"))
    setup.add_argument(
        "--owner", metavar="UID:GID", help="chown each node directory to the nodes' user"
    )
    setup.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing (exit 0) when DIR already holds a set-up cluster",
    )
    setup.set_defaults(handler=_setup)

    compose = group.add_parser("compose", help="print the docker-compose test cluster for N nodes")
    compose.add_argument("--nodes", type=int, default=12)
    compose.add_argument("--threshold", type=int, default=9)
    compose.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    compose.add_argument(
        "--air-gapped",
        action="store_true",
        help="the embedded database and the local anvil image instead of MongoDB and foundry's "
        "(every image from `make image`; what `make cluster-test` runs)",
    )
    compose.set_defaults(handler=_compose)


def _read_uri(path: Path, flag: str) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError([f"{flag}: cannot read {path}: {exc.strerror}"]) from None
    if not text.startswith(("mongodb://", "mongodb+srv://")):
        raise ConfigError([f"{flag}: {path} does not hold a mongodb:// URI"])
    return text


def _owner(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    uid, sep, gid = text.partition(":")
    if not (sep and uid.isdigit() and gid.isdigit()):
        raise ConfigError([f"--owner must be UID:GID (numbers), got {text!r}"])
    return int(uid), int(gid)


def _setup(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet-setup")
    owner = _owner(args.owner)
    if not args.nodes / 2 < args.threshold <= args.nodes:
        raise ConfigError([f"--threshold must satisfy nodes/2 < T <= nodes (got {args.threshold})"])
    if args.if_missing and is_set_up(args.dir):
        print(f"cluster already set up in {args.dir}; nothing to do")
        return 0
    node_uri = (
        args.mongodb_uri
        if args.mongodb_uri
        else _read_uri(args.mongodb_uri_file, "--mongodb-uri-file")
    )
    init_uri = (
        _read_uri(args.init_db_uri_file, "--init-db-uri-file")
        if args.init_db_uri_file
        else node_uri
    )
    layout = ClusterLayout(
        state_dir=args.dir,
        nodes_dir=args.nodes_dir,
        genesis_file=args.genesis_file,
        eth_url=args.eth_rpc.rstrip("/"),
        pokt_url=args.pokt_rest.rstrip("/"),
        mongodb_uri=node_uri,
        init_db_uri=init_uri,
        database=args.database,
        node_root=args.node_root,
        journal_path=args.journal_path,
        pokt_state_file=args.pokt_state_file,
    )
    options = DevnetOptions(
        nodes=args.nodes,
        threshold=args.threshold,
        pokt_block_time_s=args.block_time,
        worker_interval_s=args.interval,
        database=args.database,
    )
    devnet = setup_cluster(layout, options, say=lambda line: print(line, flush=True))
    if owner is not None:
        for node_id in devnet.node_ids:
            chown_tree(args.nodes_dir / node_id, *owner)
    print(f"cluster set up: {len(devnet.node_ids)} nodes, vault {devnet.state['vault']}")
    return 0


def _compose(args: argparse.Namespace) -> int:
    try:
        text = render_compose(args.nodes, args.threshold, args.air_gapped)
    except ValueError as exc:
        raise ConfigError([str(exc)]) from None
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({args.nodes} nodes, {args.threshold}-of-{args.nodes})")
    return 0
