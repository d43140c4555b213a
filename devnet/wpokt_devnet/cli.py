"""``wpokt-node devnet ...``: local chains for development. This module adds ``devnet pokt``.

Other devnet commands register themselves under the same parser with ``devnet_commands``.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_sim.genesis import Genesis, load_genesis
from wpokt_node.errors import ConfigError
from wpokt_node.logs import configure_logging

_DEVNET_COMMANDS = "_devnet_commands"


def devnet_commands(subparsers: Any) -> Any:
    """The ``devnet`` sub-command group, created on first use (shared by every devnet module)."""
    parser = subparsers.choices.get("devnet")
    if parser is None:
        parser = subparsers.add_parser("devnet", help="local development chains and tools")
        group = parser.add_subparsers(dest="devnet_command", metavar="SUBCOMMAND")
        parser.set_defaults(**{_DEVNET_COMMANDS: group})
    return parser.get_default(_DEVNET_COMMANDS)


def register(subparsers: Any) -> None:
    pokt = devnet_commands(subparsers).add_parser(
        "pokt", help="run the Pocket simulator (Cosmos REST) in the foreground"
    )
    pokt.add_argument("--port", type=int, default=0, help="TCP port (0: any free)")
    pokt.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 only inside a container)"
    )
    pokt.add_argument("--genesis", metavar="FILE", help="genesis JSON (default: empty chain)")
    pokt.add_argument(
        "--block-time", type=float, metavar="S", help="seconds per block; 0 = instant mode"
    )
    pokt.add_argument("--state-file", metavar="FILE", help="keep state across restarts here")
    pokt.add_argument("--log-level", default="info")
    pokt.set_defaults(handler=_run_pokt)


def _run_pokt(args: argparse.Namespace) -> int:
    configure_logging(args.log_level, worker="pokt-sim")
    genesis = load_genesis(args.genesis) if args.genesis else Genesis()
    if args.block_time is not None:
        if args.block_time < 0:
            raise ConfigError(["--block-time must be >= 0"])
        genesis = dataclasses.replace(genesis, block_time_s=args.block_time)
    if args.state_file:
        genesis = dataclasses.replace(genesis, state_file=args.state_file)
    if not 0 <= args.port <= 65535:
        raise ConfigError(["--port must be between 0 and 65535"])
    try:
        simulator = PoktSimulator(genesis, port=args.port, host=args.host)
    except OSError as exc:
        raise ConfigError([f"cannot listen on {args.host}:{args.port}: {exc.strerror}"]) from None
    except ValueError as exc:
        raise ConfigError([f"cannot restore the state file: {exc}"]) from None
    simulator.run_until_signal()
    return 0
