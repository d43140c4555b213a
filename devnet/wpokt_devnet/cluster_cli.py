"""``wpokt-node devnet up|down``: the whole local bridge."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from wpokt_devnet import monitoring, rotation
from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cli import devnet_commands
from wpokt_devnet.cluster import Devnet, DevnetError, down, up
from wpokt_devnet.cluster_config import COPPER, GROUP, MULTISIG, DevnetOptions
from wpokt_devnet.demo import round_trip, run_demo, wait_for_nodes
from wpokt_devnet.deploy import PROFILES, PROJECT
from wpokt_devnet.successor import add_successor, set_vault, successor_ids
from wpokt_node.amounts import parse_amount
from wpokt_node.logs import configure_logging


def register(subparsers: Any) -> None:
    group = devnet_commands(subparsers)
    start = group.add_parser("up", help="start database, anvil, Pocket simulator and N nodes")
    start.add_argument("--dir", required=True, type=Path, help="devnet directory (state, logs)")
    _cluster_options(start)
    start.add_argument("--interval", type=float, default=1.0, metavar="S",
                       help="worker interval of every node")  # fmt: skip
    start.set_defaults(handler=_up)
    stop = group.add_parser("down", help="stop everything `devnet up` started in DIR")
    stop.add_argument("--dir", required=True, type=Path)
    stop.set_defaults(handler=_down)

    give = group.add_parser("deposit", help="send POKT from the devnet user into the vault")
    give.add_argument("--dir", required=True, type=Path)
    give.add_argument("--amount", required=True, help="upokt (integer base units)")
    give.add_argument("--eth-address", required=True, help="the wPOKT recipient (0x…)")
    give.add_argument("--memo", help="send this raw memo instead of the valid JSON one")
    give.add_argument("--vault", help="send to this vault (default: the devnet's own)")
    give.set_defaults(handler=_deposit)

    heir = group.add_parser(
        "successor", help="keys, funds and configs of new nodes that take this devnet over"
    )
    heir.add_argument("--dir", required=True, type=Path)
    heir.add_argument("--nodes", type=int, default=12)
    heir.add_argument("--threshold", type=int, default=9)
    heir.add_argument("--cut-over-in", type=int, default=10, metavar="BLOCKS",
                      help="the cut-over, this many blocks ahead on both chains")  # fmt: skip
    heir.add_argument(
        "--vault", help="only put this group vault address into the successor configs"
    )
    heir.set_defaults(handler=_successor)

    nodes = group.add_parser("nodes", help="start or stop some of the devnet's nodes")
    nodes.add_argument("action", choices=("start", "stop"))
    nodes.add_argument("--dir", required=True, type=Path)
    nodes.add_argument("node_ids", nargs="+", metavar="NODE_ID")
    nodes.set_defaults(handler=_nodes)

    _register_rotate(group)
    _register_metrics_shot(group)

    back = group.add_parser("burn", help="burnAndBridge wPOKT from the devnet Ethereum user")
    back.add_argument("--dir", required=True, type=Path)
    back.add_argument("--amount", required=True, help="wPOKT base units (6 decimals)")
    back.add_argument("--pokt-address", required=True, help="the POKT recipient (pokt1…)")
    back.set_defaults(handler=_burn)

    demo = group.add_parser(
        "demo", help="up, deposit -> mint, burn -> payout, bad memo -> refund, summary, down"
    )
    demo.add_argument("--dir", required=True, type=Path)
    _cluster_options(demo)
    demo.add_argument("--timeout", type=float, default=300.0, metavar="S",
                      help="longest wait for any one entry")  # fmt: skip
    demo.add_argument("--keep", action="store_true", help="leave the devnet running")
    demo.set_defaults(handler=_demo)

    trip = group.add_parser(
        "round-trip",
        help="on a running devnet (processes or containers): deposit -> mint, burn -> payout, "
        "bad memo -> refund, then the invariants",
    )
    trip.add_argument("--dir", required=True, type=Path)
    trip.add_argument("--timeout", type=float, default=300.0, metavar="S",
                      help="longest wait for any one entry")  # fmt: skip
    trip.add_argument("--wait-nodes", type=float, default=0.0, metavar="S",
                      help="first wait up to S seconds for every node's heartbeats")  # fmt: skip
    trip.set_defaults(handler=_round_trip)

    show = group.add_parser("show", help="balances, supply, vault and entries")
    show.add_argument("--dir", required=True, type=Path)
    show.set_defaults(handler=_show)


def _cluster_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nodes", type=int, default=12)
    parser.add_argument("--threshold", type=int, default=9)
    parser.add_argument("--block-time", type=float, default=1.0, metavar="S",
                        help="seconds per block on both chains")  # fmt: skip
    parser.add_argument(
        "--custody",
        choices=(GROUP, MULTISIG, COPPER),
        default=GROUP,
        help="the vault: an x/group policy (default), a legacy multisig (N <= 7; the simulator "
        "runs mainnet's tx_sig_limit of 7 either way), or a Copper vault for both chains (the "
        "Copper simulator, one CUO and shard per node; docs/copper.md)",
    )
    parser.add_argument(
        "--contracts",
        choices=PROFILES,
        default=PROJECT,
        help="the Ethereum contracts: the project's (default) or the production profile, which "
        "behaves like the deployed wPOKT contracts (docs/ethereum.md)",
    )
    parser.add_argument(
        "--mint-fee",
        type=int,
        default=0,
        metavar="BP",
        help="turn the token's mint fee on, in basis points (at most 300)",
    )
    parser.add_argument(
        "--metrics",
        action="store_true",
        help="start a Pushgateway and Prometheus (Debian's packages) that receive the nodes' "
        "metrics and evaluate the shipped alert rules (docs/operations.md)",
    )


def _options(args: argparse.Namespace) -> DevnetOptions:
    return DevnetOptions(
        nodes=args.nodes,
        threshold=args.threshold,
        eth_block_time_s=args.block_time,
        pokt_block_time_s=args.block_time,
        mongodb_uri=os.environ.get("MONGODB_URI") or None,
        custody=args.custody,
        contracts=args.contracts,
        mint_fee_bp=args.mint_fee,
        metrics=args.metrics,
    )


def _up(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    options = replace(_options(args), worker_interval_s=args.interval)
    devnet = up(args.dir, options, progress=lambda message: print(message, flush=True))
    print(f"devnet up: {len(devnet.node_ids)} nodes healthy; state in {devnet.dir}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    options = _options(args)
    run_demo(args.dir, options, say=lambda line: print(line, flush=True),
             timeout_s=args.timeout, keep=args.keep)  # fmt: skip
    return 0


def _down(args: argparse.Namespace) -> int:
    killed = down(args.dir)
    if killed:
        print(f"devnet down (had to kill: {', '.join(killed)})")
    else:
        print("devnet down")
    return 0


def _deposit(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    amount = parse_amount(args.amount, what="--amount")
    vault = args.vault or str(devnet.state["vault"])
    tx_hash = deposit(devnet, amount, args.eth_address, memo=args.memo, vault=vault)
    print(f"deposited {amount} upokt into {vault}: tx {tx_hash}")
    return 0


def _successor(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    if args.vault:
        set_vault(devnet, args.vault)
        print(f"pocket.vault_address {args.vault} in {len(successor_ids(devnet))} configs")
        return 0
    ids = add_successor(devnet, args.nodes, args.threshold, args.cut_over_in)
    cut = Devnet.load(args.dir).state["successor"]["cut_over"]
    print(f"successor nodes {ids[0]}..{ids[-1]} configured (not started): "
          f"{devnet.config_path(ids[0])} ...; cut-over after Pocket height "
          f"{cut['pocket_height']} and Ethereum block {cut['ethereum_block']} (the old nodes "
          "stop there once restarted)")  # fmt: skip
    return 0


def _register_metrics_shot(group: Any) -> None:
    shot = group.add_parser(
        "metrics-shot",
        help="a PNG of Prometheus' graph page of a devnet started with --metrics",
    )
    shot.add_argument("--dir", required=True, type=Path)
    shot.add_argument("--out", required=True, type=Path)
    shot.add_argument("--range", default="10m", help="the graphs' time range (Prometheus syntax)")
    shot.set_defaults(handler=_metrics_shot)


def _metrics_shot(args: argparse.Namespace) -> int:
    devnet = Devnet.load(args.dir)
    url = devnet.state.get("prometheus_url")
    if not isinstance(url, str):
        raise DevnetError("this devnet runs no Prometheus: start it with `devnet up --metrics`")
    monitoring.screenshot(monitoring.graph_url(url, monitoring.SHOT_QUERIES, args.range),
                          args.out)  # fmt: skip
    print(f"wrote {args.out}")
    return 0


def _register_rotate(group: Any) -> None:
    turn = group.add_parser(
        "rotate",
        help="replace one node's validator and vault-member keys while the others keep "
        "bridging (docs/runbooks/rotate-node-key.md)",
    )
    turn.add_argument("--dir", required=True, type=Path)
    turn.add_argument("--node", required=True, metavar="NODE_ID")
    turn.set_defaults(handler=_rotate)


def _rotate(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    done = rotation.rotate(devnet, args.node, print)
    print(f"{done.node_id} rotated: validator {done.address('new')}, vault member "
          f"{done.member_address('new')}")  # fmt: skip
    return 0


def _nodes(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    known = {*devnet.node_ids, *successor_ids(devnet)}
    unknown = sorted(set(args.node_ids) - known)
    if unknown:
        raise DevnetError(f"no such devnet nodes: {', '.join(unknown)}")
    for node_id in args.node_ids:
        if args.action == "stop":
            devnet.stop_node(node_id)
        else:
            devnet.start_node(node_id)
    if args.action == "start":
        devnet.wait_healthy(list(args.node_ids))
    print(f"{args.action}: {', '.join(args.node_ids)}")
    return 0


def _burn(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    amount = parse_amount(args.amount, what="--amount")
    tx_hash = burn(devnet, amount, args.pokt_address)
    print(f"burned {amount} wPOKT for {args.pokt_address}: tx {tx_hash}")
    return 0


def _round_trip(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    if args.wait_nodes > 0:
        wait_for_nodes(devnet, args.wait_nodes)
    timings = round_trip(devnet, timeout_s=args.timeout)
    for name, seconds in timings.items():
        print(f"  {name:<28} {seconds:6.1f} s")
    print("round trip succeeded: deposit minted, burn paid back, bad memo refunded")
    return 0


def _show(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    view = snapshot(Devnet.load(args.dir))
    print(f"pokt user   {view.pokt_user}  {view.pokt_user_balance} upokt")
    print(f"vault       {view.vault}  {view.vault_balance} upokt")
    print(f"eth user    {view.eth_user}  {view.eth_user_wpokt} wPOKT units")
    print(f"wPOKT total supply {view.wpokt_supply}")
    for name, entries in view.entries.items():
        print(f"{name}: {len(entries)}")
        for entry in entries:
            extra = entry["error"] or entry["reason"] or ""
            print(
                f"  {entry['id']} {entry['status']:<9} amount {entry['amount']} -> {entry['to']}"
                f" signers {entry['signers']} {extra}".rstrip()
            )
    return 0
