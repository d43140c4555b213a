"""The four workers of a node: each worker process imports and builds only its own.

``build_task(name, context)`` loads ``wpokt_node.node.workers.<module>`` and calls its
``build(context)``; this is the one place the flows are wired to a node's context. The
watchers' modules also say how many entries their task has met (``met(task)``), which wakes
the executors (``node.activity``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from wpokt_node.node.activity import Activity, MarksActivity, SleepsWhileIdle
from wpokt_node.node.context import NodeContext
from wpokt_node.node.worker import Task

WORKER_MODULES: dict[str, str] = {
    "pokt-watcher": "pokt_watcher",
    "mint-executor": "mint_executor",
    "burn-watcher": "burn_watcher",
    "release-executor": "release_executor",
}


def build_task(worker: str, context: NodeContext) -> SchemaHeld:
    module = importlib.import_module(f"{__name__}.{WORKER_MODULES[worker]}")
    task: Task = module.build(context)
    activity = Activity.of(context.settings)
    if worker.endswith("-executor"):
        executor = SleepsWhileIdle(task, activity, context.settings.workers.idle_recheck_s)
        return SchemaHeld(executor, context, woken=executor.woken)
    return SchemaHeld(MarksActivity(task, activity, module.met(task)), context)


class SchemaHeld:
    """Runs nothing while the database needs a newer node than this one: an old node must
    neither sign nor write entries, cursors or nonces in a shape the database has left."""

    def __init__(
        self, task: Task, context: NodeContext, woken: Callable[[], bool] | None = None
    ) -> None:
        """``woken``: the task's own "run me now" (``run_loop``), if it has one."""
        self.task, self.context, self.woken = task, context, woken

    def run_once(self) -> dict[str, object]:
        too_old = self.context.schema.reason() if self.context.schema is not None else None
        if too_old is not None:
            return {"held": too_old}
        return self.task.run_once()
