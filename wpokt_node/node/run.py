"""``wpokt-node run``: the node's supervisor, started on a short path that imports only the
config, the logging and the supervisor. The workers' code is imported by their fork server and
the startup checks run in a process forked from it, so the supervisor, which lives as long as
the node, holds none of the chains' or the database's clients in its memory."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wpokt_node.config import load_config
from wpokt_node.errors import WpoktError
from wpokt_node.logs import configure_logging
from wpokt_node.node.supervisor import supervise
from wpokt_node.secret import redact

SKIP_HELP = "start even if the chains disagree with the config (for diagnosis only)"


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--skip-startup-checks", action="store_true", help=SKIP_HELP)


def run_node(config: Path, *, skip_startup_checks: bool = False) -> int:
    settings = load_config(config)
    configure_logging(settings.log_level, node_id=settings.node_id, worker="supervisor")
    return supervise(config.resolve(), startup_checks=not skip_startup_checks)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="wpokt-node run", description="run the node: the supervisor and its four workers"
    )
    add_run_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_node(args.config, skip_startup_checks=args.skip_startup_checks)
    except WpoktError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
