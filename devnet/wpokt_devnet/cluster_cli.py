"""``wpokt-node devnet up|down``: the whole local bridge."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cli import devnet_commands
from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import GROUP, MULTISIG, DevnetOptions
from wpokt_devnet.demo import run_demo
from wpokt_devnet.deploy import PROFILES, PROJECT
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
    give.set_defaults(handler=_deposit)

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
        choices=(GROUP, MULTISIG),
        default=GROUP,
        help="the Pocket vault: an x/group policy (default) or a legacy multisig (N <= 7); "
        "the simulator runs mainnet's tx_sig_limit of 7 either way",
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
    tx_hash = deposit(devnet, amount, args.eth_address, memo=args.memo)
    print(f"deposited {amount} upokt into {devnet.state['vault']}: tx {tx_hash}")
    return 0


def _burn(args: argparse.Namespace) -> int:
    configure_logging("warning", worker="devnet")
    devnet = Devnet.load(args.dir)
    amount = parse_amount(args.amount, what="--amount")
    tx_hash = burn(devnet, amount, args.pokt_address)
    print(f"burned {amount} wPOKT for {args.pokt_address}: tx {tx_hash}")
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
