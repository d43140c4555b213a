"""``wpokt-node admin pause|resume|pause-status``: the cluster-wide pause switch; the other
operator tools (``node/operator_cli.py``) register under ``admin`` too."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wpokt_node.config import load_config
from wpokt_node.db.client import connect_settings
from wpokt_node.db.control import BridgePause, pause_history, read_bridge_pause, set_bridge_pause
from wpokt_node.node import operator_cli
from wpokt_node.node.operator_cli import operator_name


def register(commands: Any) -> None:
    admin = commands.add_parser("admin", help="operator actions on the whole cluster")
    actions = admin.add_subparsers(dest="admin_command", metavar="ACTION")

    pause = actions.add_parser(
        "pause",
        help="pause the bridge: no node signs or sends anything, new deposits are held",
    )
    pause.add_argument("--config", required=True, type=Path)
    pause.add_argument("--reason", default=None, help="shown in `status` and kept in history")
    pause.set_defaults(handler=_pause)

    resume = actions.add_parser("resume", help="resume the bridge after `admin pause`")
    resume.add_argument("--config", required=True, type=Path)
    resume.add_argument("--reason", default=None)
    resume.set_defaults(handler=_resume)

    show = actions.add_parser("pause-status", help="the pause record and its recent changes")
    show.add_argument("--config", required=True, type=Path)
    show.set_defaults(handler=_show)

    operator_cli.register(actions)


def _when(at_ms: object) -> str:
    if not isinstance(at_ms, int):
        return "?"
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(timespec="seconds")


def _change(args: argparse.Namespace, paused: bool) -> int:
    settings = load_config(args.config)
    db = connect_settings(settings)
    try:
        state = set_bridge_pause(
            db, paused=paused, by=operator_name(settings.node_id), reason=args.reason
        )
    finally:
        db.client.close()
    _print(state)
    return 0


def _pause(args: argparse.Namespace) -> int:
    return _change(args, True)


def _resume(args: argparse.Namespace) -> int:
    return _change(args, False)


def _print(state: BridgePause) -> None:
    print(f"bridge {state.describe()} (change #{state.seq} at {_when(state.at_ms)})")


def _show(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    db = connect_settings(settings)
    try:
        state = read_bridge_pause(db)
        history = pause_history(db)
    finally:
        db.client.close()
    _print(state)
    for change in history:
        action = "pause " if change.get("paused") in (True, 1) else "resume"
        reason = f": {change['reason']}" if isinstance(change.get("reason"), str) else ""
        print(
            f"  #{change.get('seq')} {_when(change.get('at_ms'))} {action} by {change.get('by')}"
            f"{reason}"
        )
    return 0
