"""The four workers of a node, each built from the node's context: the one place they are wired."""

from __future__ import annotations

from collections.abc import Callable

from wpokt_node.burn.executor import ReleaseExecutor
from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.mint.executor import MintExecutor
from wpokt_node.mint.watcher import PoktWatcher
from wpokt_node.node.context import NodeContext
from wpokt_node.node.worker import Task


def pokt_watcher(context: NodeContext) -> Task:
    return PoktWatcher(context.settings, context.db, context.pokt)


def mint_executor(context: NodeContext) -> Task:
    return MintExecutor(context)


def burn_watcher(context: NodeContext) -> Task:
    watcher = BurnWatcher(context.db, context.node_id, context.eth, context.settings.ethereum)
    return BurnWatcherTask(watcher)


def release_executor(context: NodeContext) -> Task:
    return ReleaseExecutor(
        settings=context.settings,
        db=context.db,
        pokt=context.pokt,
        eth=context.eth,
        pokt_signer=context.pokt_signer,
        journal=context.journal,
    )


WORKERS: dict[str, Callable[[NodeContext], Task]] = {
    "pokt-watcher": pokt_watcher,
    "mint-executor": mint_executor,
    "burn-watcher": burn_watcher,
    "burn-executor": release_executor,
}
