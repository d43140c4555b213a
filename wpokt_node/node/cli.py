"""``wpokt-node`` command line. Feature packages add their own subcommands via ``register``.

The node's own features are listed in ``_FEATURE_CLIS``. Separately installed distributions
(e.g. ``wpokt-devnet``) add commands through the ``wpokt_node.commands`` entry-point group: each
entry point names a module with the same ``register(subparsers)`` function.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from wpokt_node import __version__
from wpokt_node.config import load_config, redacted_dump
from wpokt_node.errors import WpoktError
from wpokt_node.node.health import main as health_main
from wpokt_node.node.run import main as run_main
from wpokt_node.secret import redact

Handler = Callable[[argparse.Namespace], int]

# Feature modules exposing ``register(subparsers)``; each adds its commands with
# ``parser.set_defaults(handler=...)``. Listed here so the CLI surface is explicit.
_FEATURE_CLIS: tuple[str, ...] = (
    "wpokt_node.node.commands",
    "wpokt_node.db.cli",
    "wpokt_node.keys.cli",
    "wpokt_node.node.admin_cli",
    "wpokt_node.node.vault_cli",
    "wpokt_node.node.journal_cli",
    "wpokt_node.migration.cli",
)

# Entry-point group through which other distributions add commands (see the module docstring).
PLUGIN_GROUP = "wpokt_node.commands"


def _register_plugins(commands: Any) -> None:
    """Call ``register`` of every installed plugin module, in entry-point name order.

    A plugin that fails to load is reported on stderr and skipped: the node's own commands
    must keep working whatever else is installed next to it.
    """
    for point in sorted(entry_points(group=PLUGIN_GROUP), key=lambda p: p.name):
        try:
            module = point.load()
            module.register(commands)
        except Exception as exc:  # any broken plugin; never the node
            print(
                redact(
                    f"warning: command plugin {point.name!r} ({point.value}) not loaded: {exc!r}"
                ),
                file=sys.stderr,
            )


def _config_check(args: argparse.Namespace) -> int:
    from wpokt_node.node.config_checks import (  # noqa: PLC0415 (the chains' clients, only here)
        placeholder_problems,
        reachability_problems,
    )

    settings = load_config(args.config_file)
    print(redact(json.dumps(redacted_dump(settings), indent=2, sort_keys=True)))
    problems = placeholder_problems(settings)
    if not args.offline:
        problems += reachability_problems(settings)
    for problem in problems:
        print(f"PROBLEM {redact(problem)}", file=sys.stderr)
    return 1 if problems else 0


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    parser, commands = _node_parser()
    if plugins:
        _register_plugins(commands)
    return parser


def _node_parser() -> tuple[argparse.ArgumentParser, Any]:
    """The parser with the node's own commands, and its subcommands action."""
    parser = argparse.ArgumentParser(
        prog="wpokt-node", description="wPOKT bridge node (POKT <-> wPOKT, threshold-signed)"
    )
    parser.add_argument("--version", action="version", version=f"wpokt-node {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    config = commands.add_parser("config", help="inspect configuration")
    config_commands = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    check = config_commands.add_parser(
        "check", help="validate a config file and print it with secrets redacted"
    )
    check.add_argument("config_file", metavar="FILE")
    check.add_argument(
        "--offline", action="store_true", help="do not probe the endpoints (CI: the file only)"
    )
    check.set_defaults(handler=_config_check)

    for module_name in _FEATURE_CLIS:
        module = importlib.import_module(module_name)
        module.register(commands)
    return parser, commands


def _parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The node's own commands (``run``, ``health`` ...) do not load plugins, so a node process
    carries nothing a plugin imports; any other command, or none (help), loads them."""
    parser, commands = _node_parser()
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command not in commands.choices:
        _register_plugins(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["health"]:  # Docker's HEALTHCHECK: the short path (node/health.py)
        return health_main(arguments[1:])
    if arguments[:1] == ["run"]:  # the supervisor: the short path too (node/run.py)
        return run_main(arguments[1:])
    parser = _parser_for(arguments)
    args = parser.parse_args(arguments)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except WpoktError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
