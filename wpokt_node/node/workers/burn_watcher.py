"""The ``burn-watcher`` worker: ``BurnAndBridge`` logs into ``burns``."""

from __future__ import annotations

from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.node.context import NodeContext


def build(context: NodeContext) -> BurnWatcherTask:
    watcher = BurnWatcher(
        context.db,
        context.node_id,
        context.eth,
        context.settings.ethereum,
        claims=context.claims,
    )
    return BurnWatcherTask(watcher)
