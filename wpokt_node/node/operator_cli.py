"""Operator tools: ``wpokt-node admin reobserve | retry | free-nonce | actions``.

Each tool reads the chains through this node's own RPCs, refuses with a clear reason (and
changes nothing) when its input is not what it must be, has a ``--dry-run``, and leaves an
audit record in ``control`` (``db/operator_log.py``), dry runs included.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wpokt_node.burn.reobserve import reobserve_burns
from wpokt_node.config import Settings, load_config
from wpokt_node.db.client import connect_settings
from wpokt_node.db.operator_log import recent_actions, record_action
from wpokt_node.db.reobserved import Reobserved
from wpokt_node.db.schema import ENTRY_COLLECTIONS
from wpokt_node.errors import WpoktError
from wpokt_node.eth.client import EthClient
from wpokt_node.mint.free_nonce import filler_for, free_nonce
from wpokt_node.mint.reobserve import reobserve_deposit
from wpokt_node.node.context import build_context
from wpokt_node.node.retry import Chains, retry_entry
from wpokt_node.node.workers.mint_executor import mint_custody
from wpokt_node.pokt.client import PocketClient


def register(actions: Any) -> None:
    again = actions.add_parser(
        "reobserve",
        help="read one deposit or burn tx again from this node's RPC and record its entry if "
        "the watchers missed it",
    )
    again.add_argument("--config", required=True, type=Path)
    source = again.add_mutually_exclusive_group(required=True)
    source.add_argument("--pokt-tx", metavar="HASH", help="a Pocket tx into the vault")
    source.add_argument("--eth-tx", metavar="HASH", help="an Ethereum tx with BurnAndBridge")
    again.add_argument("--log-index", type=int, metavar="N",
                       help="with --eth-tx: only the burn at this block log index")  # fmt: skip
    again.add_argument("--dry-run", action="store_true", help="say what would be recorded")
    again.set_defaults(handler=_reobserve)

    again = actions.add_parser(
        "retry",
        help="move an entry failed as absent ('source gone') back to detected once this "
        "node's RPC shows its source",
    )
    again.add_argument("--config", required=True, type=Path)
    again.add_argument("--collection", required=True, choices=ENTRY_COLLECTIONS)
    again.add_argument("--id", required=True, dest="entry_id", metavar="ENTRY_ID")
    again.add_argument("--dry-run", action="store_true", help="check it, change nothing")
    again.set_defaults(handler=_retry)

    free = actions.add_parser(
        "free-nonce",
        help="sign (and with --send submit) a mint of nothing at a recipient's next nonce, "
        "held by a mint that can never gather the threshold of signatures",
    )
    free.add_argument("--config", required=True, type=Path)
    free.add_argument("--recipient", required=True, metavar="ADDRESS")
    free.add_argument("--nonce", required=True, type=int, metavar="N")
    mode = free.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="check it, sign nothing")
    mode.add_argument("--send", action="store_true",
                      help="also submit it once the threshold of signatures is stored")  # fmt: skip
    free.set_defaults(handler=_free_nonce)

    show = actions.add_parser("actions", help="the audit record of operator tools")
    show.add_argument("--config", required=True, type=Path)
    show.add_argument("--limit", type=int, default=20)
    show.set_defaults(handler=_actions)


def operator_name(node_id: str) -> str:
    """Who runs an operator command: the OS user at this node."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{node_id}"


def _reobserve(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    if args.log_index is not None and args.eth_tx is None:
        print("error: --log-index goes with --eth-tx", file=sys.stderr)
        return 2
    target = f"pokt:{args.pokt_tx}" if args.pokt_tx else f"eth:{args.eth_tx}"
    if args.log_index is not None:
        target += f" log {args.log_index}"
    db = connect_settings(settings)
    by = operator_name(settings.node_id)
    try:
        try:
            found = _read_again(settings, db, args)
        except WpoktError as exc:
            record_action(db, action="reobserve", by=by, target=target,
                          outcome=f"refused: {exc}", dry_run=args.dry_run)  # fmt: skip
            print(f"error: {exc}", file=sys.stderr)
            return 1
        lines = [item.describe(args.dry_run) for item in found]
        record_action(db, action="reobserve", by=by, target=target, outcome="; ".join(lines),
                      dry_run=args.dry_run)  # fmt: skip
    finally:
        db.client.close()
    for line in lines:
        print(line)
    return 0


def _retry(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    target = f"{args.collection} {args.entry_id}"
    db = connect_settings(settings)
    by = operator_name(settings.node_id)
    pokt = PocketClient.from_settings(settings.pocket)
    chains = Chains(pokt=pokt, eth=EthClient.from_settings(settings.ethereum))
    try:
        try:
            done = retry_entry(settings, db, chains, args.collection, args.entry_id, by=by,
                               dry_run=args.dry_run)  # fmt: skip
        except WpoktError as exc:
            record_action(db, action="retry", by=by, target=target, outcome=f"refused: {exc}",
                          dry_run=args.dry_run)  # fmt: skip
            print(f"error: {exc}", file=sys.stderr)
            return 1
        record_action(db, action="retry", by=by, target=target, outcome=done,
                      dry_run=args.dry_run)  # fmt: skip
    finally:
        pokt.close()
        db.client.close()
    print(done)
    return 0


def _free_nonce(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    target = f"mint nonce {args.nonce} of {args.recipient}"
    by = operator_name(settings.node_id)
    context = build_context(settings, "mint-executor")  # its validator and gas keys
    lines: list[str] = []
    try:
        try:
            custody = mint_custody(context)
            filler = filler_for(custody, args.recipient, args.nonce)
            free_nonce(custody, context.journal, context.db, filler,
                       dry_run=args.dry_run, submit=args.send, done=lines)  # fmt: skip
        except WpoktError as exc:
            done = "; ".join(lines[1:])  # the first line is what it read
            outcome = f"{done}; then failed: {exc}" if done else f"refused: {exc}"
            record_action(context.db, action="free-nonce", by=by, target=target,
                          outcome=outcome, dry_run=args.dry_run)  # fmt: skip
            print("\n".join(lines), file=sys.stderr)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        record_action(context.db, action="free-nonce", by=by, target=target,
                      outcome="; ".join(lines[1:]), dry_run=args.dry_run)  # fmt: skip
    finally:
        context.close()
    print("\n".join(lines))
    return 0


def _read_again(settings: Settings, db: Any, args: argparse.Namespace) -> list[Reobserved]:
    if args.pokt_tx:
        pokt = PocketClient.from_settings(settings.pocket)
        try:
            return [reobserve_deposit(settings, db, pokt, args.pokt_tx, dry_run=args.dry_run)]
        finally:
            pokt.close()
    eth = EthClient.from_settings(settings.ethereum)
    return reobserve_burns(
        settings, db, eth, args.eth_tx, log_index=args.log_index, dry_run=args.dry_run
    )


def _actions(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    db = connect_settings(settings)
    try:
        rows = recent_actions(db, args.limit)
    finally:
        db.client.close()
    for row in reversed(rows):
        at = datetime.fromtimestamp(int(row["at_ms"]) / 1000, UTC).isoformat(timespec="seconds")
        dry = " (dry run)" if row.get("dry_run") in (True, 1) else ""
        print(f"{at} {row.get('action')}{dry} by {row.get('by')} on {row.get('target')}: "
              f"{row.get('outcome')}")  # fmt: skip
    return 0
