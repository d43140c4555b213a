"""The ``pokt-watcher`` worker: Pocket deposits into ``mints`` and ``refunds``."""

from __future__ import annotations

from wpokt_node.mint.watcher import PoktWatcher
from wpokt_node.node.context import NodeContext


def build(context: NodeContext) -> PoktWatcher:
    return PoktWatcher(context.settings, context.db, context.pokt, claims=context.claims)
