"""``wpokt-node devnet db-serve``: the embedded nx-27017 MongoDB wire server in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from wpokt_devnet.cli import devnet_commands
from wpokt_devnet.mongo import EmbeddedMongo

DEFAULT_PORT = 27017


def register(subparsers: Any) -> None:
    serve = devnet_commands(subparsers).add_parser(
        "db-serve", help="run the embedded nx-27017 MongoDB wire server in the foreground"
    )
    serve.add_argument("--dir", required=True, type=Path, help="data, pid and log directory")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 only inside a container)"
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        print(f"error: --port must be 1-65535, got {args.port}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    server = EmbeddedMongo(args.dir, args.port, host=args.host)
    try:
        server.start()
        print(server.uri, flush=True)
        print(
            f"nx-27017 pid {server.pid}; data {server.data_dir}; log {server.log_file}",
            file=sys.stderr,
            flush=True,
        )
        while not stopping.wait(0.5):
            if not server.is_running():
                print(
                    f"error: nx-27017 exited unexpectedly; see {server.log_file}", file=sys.stderr
                )
                return 1
        return 0
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
