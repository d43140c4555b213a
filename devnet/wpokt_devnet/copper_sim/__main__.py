"""``python -m wpokt_devnet.copper_sim --config FILE``: serve the Copper simulator until SIGTERM
or SIGINT. Prints one JSON ready line on stdout (``{"copper_sim": "ready", "platform_url": ...,
"cuo_urls": {...}}``); logs go to stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wpokt_devnet.copper_sim.app import CopperSimulator
from wpokt_devnet.copper_sim.config import CopperSimConfig
from wpokt_node.errors import ConfigError
from wpokt_node.logs import configure_logging


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wpokt_devnet.copper_sim")
    parser.add_argument("--config", required=True, help="the simulator's JSON config file")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    configure_logging(args.log_level, worker="copper-sim")
    try:
        config = CopperSimConfig.from_file(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    CopperSimulator(config).run_until_signal()
    return 0


if __name__ == "__main__":
    sys.exit(main())
