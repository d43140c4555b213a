"""The four workers of a node, each built from the node's context: the one place they are wired."""

from __future__ import annotations

from collections.abc import Callable

from wpokt_node.burn.executor import release_executor
from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.custody.eth_mint import EthMintCustody
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.mint.executor import mint_executor
from wpokt_node.mint.watcher import PoktWatcher
from wpokt_node.node.context import NodeContext
from wpokt_node.node.worker import Task


def pokt_watcher(context: NodeContext) -> Task:
    return PoktWatcher(context.settings, context.db, context.pokt)


def mint_custody(context: NodeContext) -> EthMintCustody:
    settings = context.settings
    return EthMintCustody(
        settings=settings,
        db=context.db,
        pokt=context.pokt,
        eth=context.eth,
        token=context.token,
        controller=context.controller,
        eth_signer=context.eth_signer,
        gas_sender=TransactionSender(context.eth, context.eth_gas, settings.ethereum.chain_id),
    )


def mint_executor_task(context: NodeContext) -> Task:
    return mint_executor(
        settings=context.settings,
        db=context.db,
        journal=context.journal,
        custody=mint_custody(context),
        controller=context.controller,
        paused=context.paused,
    )


def burn_watcher(context: NodeContext) -> Task:
    watcher = BurnWatcher(context.db, context.node_id, context.eth, context.settings.ethereum)
    return BurnWatcherTask(watcher)


def release_executor_task(context: NodeContext) -> Task:
    return release_executor(
        settings=context.settings,
        db=context.db,
        journal=context.journal,
        pokt=context.pokt,
        eth=context.eth,
        pokt_signer=context.pokt_signer,
        paused=context.paused,
    )


WORKERS: dict[str, Callable[[NodeContext], Task]] = {
    "pokt-watcher": pokt_watcher,
    "mint-executor": mint_executor_task,
    "burn-watcher": burn_watcher,
    "release-executor": release_executor_task,
}
