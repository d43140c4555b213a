"""``wpokt-node devnet image`` and ``wpokt-node devnet cluster-test`` (``make image``,
``make cluster-test``)."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from wpokt_devnet.cli import devnet_commands
from wpokt_devnet.containers.cluster_test import run_cluster_test
from wpokt_devnet.containers.engine import EngineError, ensure_engine
from wpokt_devnet.containers.images import AUTO, build_images, image_sizes_text

BASE_HELP = (
    "base image: 'auto' (the official python:3.11-slim-bookworm if it can be had, else a local "
    "Debian base made with mmdebstrap) or any image with Python 3.11 and venv"
)


def register(subparsers: Any) -> None:
    group = devnet_commands(subparsers)
    image = group.add_parser("image", help="build the node, devnet and anvil images (make image)")
    image.add_argument("--repo", type=Path, default=Path("."), help="the repository's root")
    image.add_argument("--base", default=AUTO, help=BASE_HELP)
    image.set_defaults(handler=_image)
    test = group.add_parser(
        "cluster-test",
        help="build the images, run N nodes in containers through a deposit, a burn, a refund, "
        "a node kill and a clean teardown (make cluster-test)",
    )
    test.add_argument("--repo", type=Path, default=Path("."), help="the repository's root")
    test.add_argument("--base", default=AUTO, help=BASE_HELP)
    test.add_argument("--nodes", type=int, default=12)
    test.add_argument("--threshold", type=int, default=9)
    test.add_argument("--keep", action="store_true", help="leave the cluster and engine running")
    test.set_defaults(handler=_cluster_test)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _image(args: argparse.Namespace) -> int:
    try:
        engine = ensure_engine()
        try:
            built = build_images(engine, args.repo, args.base)
        except BaseException:
            engine.stop()
            raise
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"built on {built.base}:\n{image_sizes_text(built.sizes)}")
    if engine.started_here:  # the images live in its data root: leave it running
        print(
            f"the Docker engine started for this build keeps running (pid {engine.pid}):\n"
            f"  export DOCKER_HOST={engine.env['DOCKER_HOST']}\n"
            f"  stop it with: kill {engine.pid}"
        )
    return 0


def _cluster_test(args: argparse.Namespace) -> int:
    def say(line: str) -> None:
        print(line, flush=True)

    # A CI timeout's SIGTERM unwinds like an error: the cluster is taken down and an engine
    # started here is stopped (it runs in its own session and would outlive us).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        report = run_cluster_test(
            args.repo,
            nodes=args.nodes,
            threshold=args.threshold,
            base=args.base,
            keep=args.keep,
            say=say,
        )
    except (EngineError, subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as exc:
        print(f"cluster test failed: {exc}", file=sys.stderr)
        return 1
    say(report.text())
    say("== cluster test passed")
    return 0
