"""A worker's metrics: updated after every pass, sampled on their own clock, pushed outbound.

``WorkerMetrics.after_pass`` runs in the worker's thread: it records the pass and, every
``metrics.sample_interval_s``, reads the gauges that cost a query or an RPC (this worker's
share: the executors their entries and their own account's balance, the watchers their chain's
head). The pokt-watcher's supply monitor runs there too, pushed or not: it is a safety check.

``MetricsPusher`` is a daemon thread that sends the process's registry to the Pushgateway every
``metrics.push_interval_s`` with the grouping key ``{job, node, worker}``; an unreachable
gateway is counted and logged once per interval and never blocks the worker. The gateway
stamps each group with ``push_time_seconds``: a worker that stops pushing is a worker down
(the alert ``WpoktWorkerDown``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, push_to_gateway
from pymongo.errors import PyMongoError

from wpokt_node.config import MetricsSettings
from wpokt_node.db.control import read_bridge_pause
from wpokt_node.db.schema import BURNS, MINTS, OPEN_STATUSES, REFUNDS
from wpokt_node.errors import WpoktError
from wpokt_node.keys.signer import eth_address_of, pokt_address_of
from wpokt_node.logs import get_logger
from wpokt_node.metrics import (
    CHAIN_HEAD,
    CONSECUTIVE_ERRORS,
    ENTRIES,
    GAS_BALANCE,
    LAST_SUCCESS,
    LEASE_HELD,
    MEMBER_BALANCE,
    OLDEST_ENTRY,
    PASS_SECONDS,
    PASSES,
    PAUSED,
    PUSH_FAILURES,
    WATCHER_BEHIND,
)
from wpokt_node.node.context import NodeContext
from wpokt_node.node.supply import SupplyMonitor, read_supply
from wpokt_node.node.worker import LoopState

log = get_logger(__name__)

WORKER_COLLECTIONS: dict[str, tuple[str, ...]] = {
    "mint-executor": (MINTS,),
    "release-executor": (BURNS, REFUNDS),
}


class MetricsPusher:
    """Pushes ``registry`` to the Pushgateway on its own thread until stopped."""

    def __init__(
        self,
        settings: MetricsSettings,
        node_id: str,
        worker: str,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        if settings.pushgateway_url is None:
            raise ValueError("metrics.pushgateway_url is not set")
        self.url, self.settings, self.registry = settings.pushgateway_url, settings, registry
        self.grouping_key = {"node": node_id, "worker": worker}
        self.pushes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metrics-push", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after one last push (the worker's final state)."""
        self._stop.set()
        self._thread.join(self.settings.push_timeout_s + 1)
        self.push_once()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.push_interval_s):
            self.push_once()

    def push_once(self) -> bool:
        try:
            push_to_gateway(
                self.url,
                job=self.settings.job,
                registry=self.registry,
                grouping_key=self.grouping_key,
                timeout=self.settings.push_timeout_s,
            )
        except Exception as exc:  # any failure: counted, logged, and the worker goes on
            PUSH_FAILURES.inc()
            log.warning("metrics push failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return False
        self.pushes += 1
        return True


class WorkerMetrics:
    """The metrics of one worker process (module docstring)."""

    def __init__(
        self,
        context: NodeContext,
        worker: str,
        *,
        sampling: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.context, self.worker, self.clock = context, worker, clock
        self.sampling = sampling
        self.interval_s = context.settings.metrics.sample_interval_s
        self._next_sample_at = 0.0
        self.supply: SupplyMonitor | None = None
        if worker == "pokt-watcher":
            settings = context.settings
            self.supply = SupplyMonitor(
                settings, context.db, lambda: read_supply(settings, context.token, context.pokt)
            )

    def after_pass(self, state: LoopState, pass_s: float) -> None:
        PASSES.labels("error" if state.consecutive_errors else "ok").inc()
        PASS_SECONDS.observe(pass_s)
        CONSECUTIVE_ERRORS.set(state.consecutive_errors)
        if state.last_success_at is not None:
            LAST_SUCCESS.set(state.last_success_at.timestamp())
        if "executor" in state.last_result:  # an executor's pass: its lease is named after it
            LEASE_HELD.labels(self.worker).set(1 if state.last_result["executor"] else 0)
        now = self.clock()
        if self.sampling and now >= self._next_sample_at:
            self._next_sample_at = now + self.interval_s
            self.sample(state.last_result)
        if self.supply is not None:
            self.supply.run_if_due()

    def sample(self, last_result: dict[str, object]) -> None:
        """The gauges that cost a query or an RPC; a failed read leaves its gauge as it was."""
        for name, read in self._samples(last_result):
            try:
                read()
            except (WpoktError, PyMongoError) as exc:
                log.warning("metric sample failed", metric=name, error=str(exc)[:300])

    def _samples(self, last_result: dict[str, object]) -> Iterable[tuple[str, Callable[[], Any]]]:
        yield "paused", self._paused
        for collection in WORKER_COLLECTIONS.get(self.worker, ()):
            yield f"entries.{collection}", partial(self._entries, collection)
        context = self.context
        if self.worker == "mint-executor":
            gas = eth_address_of(context.public_keys.eth_gas)
            yield "gas_balance", lambda: GAS_BALANCE.labels(gas).set(context.eth.balance(gas))
        elif self.worker == "release-executor":
            member = pokt_address_of(context.public_keys.pokt_signer)
            denom = context.settings.pocket.denom
            yield (
                "member_balance",
                lambda: MEMBER_BALANCE.labels(member).set(context.pokt.balance(member, denom)),
            )
        elif self.worker == "pokt-watcher":
            cursor = _pokt_cursor(last_result)
            yield "pocket_head", lambda: _behind("pocket", context.pokt.latest_height(), cursor)
        elif self.worker == "burn-watcher":
            cursor = _int(last_result.get("cursor"))
            yield "ethereum_head", lambda: _behind("ethereum", context.eth.block_number(), cursor)

    def _paused(self) -> None:
        context = self.context
        PAUSED.labels("cluster").set(1 if read_bridge_pause(context.db).paused else 0)
        PAUSED.labels("node").set(1 if context.settings.caps.paused else 0)
        PAUSED.labels("hold").set(1 if context.hold() is not None else 0)

    def _entries(self, collection: str) -> None:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"status": {"$in": OPEN_STATUSES}}},
            {"$group": {"_id": "$status", "n": {"$sum": 1}, "oldest": {"$min": "$created_at"}}},
        ]
        rows = {str(row["_id"]): row for row in self.context.db[collection].aggregate(pipeline)}
        now = datetime.now(UTC)
        for status in OPEN_STATUSES:
            row = rows.get(status)
            ENTRIES.labels(collection, status).set(int(row["n"]) if row else 0)
            oldest = row.get("oldest") if row else None
            age = (now - _aware(oldest)).total_seconds() if isinstance(oldest, datetime) else 0.0
            OLDEST_ENTRY.labels(collection, status).set(max(0.0, age))


def _behind(chain: str, head: int, cursor: int | None) -> None:
    CHAIN_HEAD.labels(chain).set(head)
    if cursor is not None:
        WATCHER_BEHIND.labels(chain).set(max(0, head - cursor))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _pokt_cursor(last_result: dict[str, object]) -> int | None:
    """The last height the pokt-watcher recorded: its cursor, or the height before the next
    one it will scan when this pass had nothing new."""
    cursor = _int(last_result.get("cursor"))
    if cursor is not None:
        return cursor
    first = _int(last_result.get("from_height"))
    return None if first is None else first - 1
