"""The ``burn-watcher`` worker: ``BurnAndBridge`` logs into ``burns``; the frontend view's
``burns``, when set."""

from __future__ import annotations

from collections.abc import Callable

from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.db.nodes import CURSOR_WRITE_S
from wpokt_node.frontend import BURN_PROJECTIONS, frontend_view
from wpokt_node.node.context import NodeContext
from wpokt_node.node.worker import Task
from wpokt_node.node.workers.view import KeepsFrontendView


def met(task: Task) -> Callable[[], int]:
    """How many burns the task's watcher has met (``node.activity``)."""
    burns = task.task if isinstance(task, KeepsFrontendView) else task
    assert isinstance(burns, BurnWatcherTask)
    return lambda: burns.watcher.met


def build(context: NodeContext) -> Task:
    watcher = BurnWatcher(
        context.db,
        context.node_id,
        context.eth,
        context.settings.ethereum,
        claims=context.claims,
        cursor_write_every_s=CURSOR_WRITE_S,
    )
    task = BurnWatcherTask(watcher)
    view = frontend_view(context.settings, context.db, BURN_PROJECTIONS)
    return task if view is None else KeepsFrontendView(task, view)
