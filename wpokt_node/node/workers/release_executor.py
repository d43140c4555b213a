"""The ``release-executor`` worker: the payout machine over ``burns`` and ``refunds`` with the
Pocket vault back end."""

from __future__ import annotations

from wpokt_node.burn.executor import release_executor
from wpokt_node.node.context import NodeContext
from wpokt_node.payout.machine import PayoutMachine


def build(context: NodeContext) -> PayoutMachine:
    return release_executor(
        settings=context.settings,
        db=context.db,
        journal=context.journal,
        pokt=context.pokt,
        eth=context.eth,
        pokt_signer=context.signer("pokt_signer"),
        paused=context.paused,
        claims=context.claims,
    )
