"""The startup checks, run in a process forked from the workers' fork server before any worker
starts (``wpokt-node run``): the supervisor itself then never imports the chains' and the
database's clients, and stays small for as long as the node runs."""

from __future__ import annotations

import sys
from pathlib import Path

from wpokt_node.config import load_config
from wpokt_node.errors import WpoktError
from wpokt_node.keys.sources import SIGNERS_LOADED
from wpokt_node.logs import configure_logging, get_logger
from wpokt_node.node.context import build_context
from wpokt_node.node.startup import run_startup_checks
from wpokt_node.secret import redact


def main(config_path: str) -> int:
    """0 when every check passed; 1 (each failure on stderr) when not."""
    settings = load_config(Path(config_path))
    configure_logging(settings.log_level, node_id=settings.node_id, worker="supervisor")
    try:
        context = build_context(settings)
        try:
            passed = run_startup_checks(context)
        finally:
            context.close()
    except WpoktError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr, flush=True)
        return 1
    get_logger(__name__).info(
        "startup checks passed", checks=passed, signing_keys=sorted(SIGNERS_LOADED)
    )
    return 0
