"""The ``pokt-watcher`` worker: Pocket deposits into ``mints`` and ``refunds``; the frontend
view's ``mints``, ``invalidMints`` and this node's ``healthchecks`` document, when set."""

from __future__ import annotations

from collections.abc import Callable

from wpokt_node.db.nodes import CURSOR_WRITE_S
from wpokt_node.frontend import MINT_PROJECTIONS, frontend_view, node_facts
from wpokt_node.mint.watcher import PoktWatcher
from wpokt_node.node.context import NodeContext
from wpokt_node.node.worker import Task
from wpokt_node.node.workers.view import KeepsFrontendView


def met(task: Task) -> Callable[[], int]:
    """How many deposits the task's watcher has met (``node.activity``)."""
    watcher = task.task if isinstance(task, KeepsFrontendView) else task
    assert isinstance(watcher, PoktWatcher)
    return lambda: watcher.met


def build(context: NodeContext) -> Task:
    watcher = PoktWatcher(context.settings, context.db, context.pokt, claims=context.claims,
                          cursor_write_every_s=CURSOR_WRITE_S)  # fmt: skip
    keys = context.public_keys
    health = node_facts(context.settings, keys.eth_signer, keys.pokt_signer)
    view = frontend_view(context.settings, context.db, MINT_PROJECTIONS, health)
    return watcher if view is None else KeepsFrontendView(watcher, view)
