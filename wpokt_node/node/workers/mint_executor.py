"""The ``mint-executor`` worker: the payout machine over ``mints`` with the configured back end
(``ethereum.custody``: the validators' multisig, or a Copper vault)."""

from __future__ import annotations

from wpokt_node.config import MintCustody
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.mint import CopperMintCustody
from wpokt_node.custody.eth_mint import EthMintCustody
from wpokt_node.eth.transactions import FeePolicy, TransactionSender
from wpokt_node.mint.executor import mint_executor
from wpokt_node.node.context import NodeContext
from wpokt_node.payout.machine import PayoutMachine


def mint_custody(context: NodeContext) -> EthMintCustody:
    settings = context.settings
    return EthMintCustody(
        settings=settings,
        db=context.db,
        pokt=context.pokt,
        eth=context.eth,
        token=context.token,
        controller=context.controller,
        eth_signer=context.signer("eth_signer"),
        gas_sender=TransactionSender(
            context.eth,
            context.signer("eth_gas"),
            settings.ethereum.chain_id,
            FeePolicy(
                max_fee_cap_wei=settings.ethereum.max_fee_per_gas_wei,
                bump_percent=settings.ethereum.gas_bump_percent,
            ),
        ),
    )


def copper_mint_custody(context: NodeContext) -> CopperMintCustody:
    return CopperMintCustody(
        settings=context.settings,
        db=context.db,
        pokt=context.pokt,
        eth=context.eth,
        token=context.token,
        account=CopperAccount.from_settings(context.settings),
    )


def build(context: NodeContext) -> PayoutMachine:
    copper = context.settings.ethereum.custody is MintCustody.COPPER
    return mint_executor(
        settings=context.settings,
        db=context.db,
        journal=context.journal,
        custody=copper_mint_custody(context) if copper else mint_custody(context),
        controller=None if copper else context.controller,
        paused=context.paused,
        claims=context.claims,
    )
