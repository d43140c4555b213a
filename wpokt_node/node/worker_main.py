"""Entry point of one worker process: ``run_worker`` (forked by the supervisor's fork server) or
``python -m wpokt_node.node.worker_main``.

Loads the config, builds the node context, and runs the worker's task in the loop of
``node/worker.py`` until SIGTERM/SIGINT, beating into ``nodes``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType

from wpokt_node import __version__
from wpokt_node.config import Settings, load_config
from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.nodes import heartbeat
from wpokt_node.errors import WpoktError
from wpokt_node.keys.sources import SIGNERS_LOADED
from wpokt_node.logs import configure_logging, get_logger
from wpokt_node.node.cluster_facts import cluster_facts_hash
from wpokt_node.node.context import NodeContext, build_context
from wpokt_node.node.metrics import MetricsPusher, WorkerMetrics
from wpokt_node.node.supervisor import WORKER_NAMES
from wpokt_node.node.webhooks import WebhookFeed, WebhookSender
from wpokt_node.node.worker import LoopPolicy, LoopState, run_loop
from wpokt_node.node.workers import build_task
from wpokt_node.secret import Secret, redact

EXIT_CONFIG = 2

log = get_logger(__name__)


def loop_policy(settings: Settings, worker: str) -> LoopPolicy:
    worker_settings = getattr(settings.workers, worker.replace("-", "_"))
    return LoopPolicy(interval_s=worker_settings.interval_s)


def make_heartbeat(
    context: NodeContext,
    worker: str,
    metrics: WorkerMetrics | None = None,
    feed: WebhookFeed | None = None,
) -> Callable[[LoopState], None]:
    facts = cluster_facts_hash(context.settings)
    clock = BeatClock(context.settings.workers.heartbeat_interval_s)

    def beat(state: LoopState) -> None:
        if metrics is not None:
            metrics.after_pass(state, state.last_pass_s)
        if feed is not None:
            try:
                feed.run_once()
            except Exception as exc:  # webhooks never keep the worker from beating
                log.warning("webhooks: reading the audit log failed", error=str(exc)[:300])
        hold = context.hold()
        if not clock.due((state.consecutive_errors, state.last_error, hold)):
            return
        heartbeat(
            context.db,
            context.node_id,
            worker,
            at_ms=int(time.time() * 1000),
            version=__version__,
            cluster_facts=facts,
            passes=state.passes,
            consecutive_errors=state.consecutive_errors,
            last_error=state.last_error,
            last_error_class=state.last_error_class,
            paused=context.settings.caps.paused,
            hold=hold,
            signing_keys=sorted(SIGNERS_LOADED),
            last_result={k: v for k, v in state.last_result.items() if _plain(v)},
            db_commands=COMMANDS.count,
        )

    return beat


class BeatClock:
    """When a worker writes its heartbeat: every ``interval_s``, and at once when what it
    reports about its health (errors, hold) changed. Passes in between only count."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s, self.clock = interval_s, clock
        self._last_at: float | None = None
        self._last_state: object = None

    def due(self, state: object) -> bool:
        now = self.clock()
        if (self._last_at is not None and now - self._last_at < self.interval_s
                and state == self._last_state):  # fmt: skip
            return False
        self._last_at, self._last_state = now, state
        return True


def _plain(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wpokt-node-worker")
    parser.add_argument("--config", required=True)
    parser.add_argument("--worker", required=True, choices=WORKER_NAMES)
    args = parser.parse_args(argv)
    try:
        settings = load_config(args.config)
    except WpoktError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, node_id=settings.node_id, worker=args.worker)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        context = build_context(settings, args.worker)
    except WpoktError as exc:
        log.error("worker cannot start", error=str(exc))
        return 1
    pusher: MetricsPusher | None = None
    if settings.metrics.pushgateway_url is not None:
        pusher = MetricsPusher(settings.metrics, settings.node_id, args.worker)
        pusher.start()
    metrics = WorkerMetrics(context, args.worker, sampling=pusher is not None)
    sender = webhook_sender(settings) if args.worker == "pokt-watcher" else None
    feed = None if sender is None else WebhookFeed(context.db, sender)
    try:
        task = build_task(args.worker, context)
        log.info("worker running", pid=os.getpid())
        beat = make_heartbeat(context, args.worker, metrics, feed)
        run_loop(task, loop_policy(settings, args.worker), stop, beat, woken=task.woken)
    finally:
        if sender is not None:
            sender.stop()
        if pusher is not None:
            pusher.stop()
        context.close()
    log.info("worker stopped")
    return 0


def webhook_sender(settings: Settings) -> WebhookSender | None:
    """The started sender of ``webhooks``, or None when none is configured (the startup check
    ``webhooks`` made sure its secret is set)."""
    hooks = settings.webhooks
    if not hooks.urls:
        return None
    sender = WebhookSender(hooks, Secret(os.environ.get(hooks.secret_env or "", "")))
    sender.start()
    return sender


def run_worker(config_path: str, worker: str) -> None:
    """The target of a forked worker process; its exit code is ``main``'s."""
    sys.exit(main(["--config", config_path, "--worker", worker]))


if __name__ == "__main__":
    sys.exit(main())
