"""The four workers of a node: each worker process imports and builds only its own.

``build_task(name, context)`` loads ``wpokt_node.node.workers.<module>`` and calls its
``build(context)``; this is the one place the flows are wired to a node's context.
"""

from __future__ import annotations

import importlib

from wpokt_node.node.context import NodeContext
from wpokt_node.node.worker import Task

WORKER_MODULES: dict[str, str] = {
    "pokt-watcher": "pokt_watcher",
    "mint-executor": "mint_executor",
    "burn-watcher": "burn_watcher",
    "release-executor": "release_executor",
}


def build_task(worker: str, context: NodeContext) -> Task:
    module = importlib.import_module(f"{__name__}.{WORKER_MODULES[worker]}")
    task: Task = module.build(context)
    return task
