"""The deposit classification rules of this node, from its settings.

Every node must classify the same tx the same way, so only cluster-wide settings go in:
the vault, the Ethereum chain id, the denom, the per-deposit cap and the release fee. The
per-node ``caps.paused`` switch is not one of them (a paused node signs nothing, but it
still sees deposits as everyone else does).

A multisig vault pays a refund's fee out of the refund, so a bad deposit not above the fee is
ignored (there is nothing to pay back). A group vault's members pay the fees: every bad deposit
is recorded as a refund, and one below ``pocket.group.min_payout_upokt`` fails visibly
(``below_minimum_payout``) instead of leaving a log line only.
"""

from __future__ import annotations

from wpokt_node.config import PocketCustody, Settings
from wpokt_node.pokt.deposits import DepositRules
from wpokt_node.pokt.group_vault import resolve_custody


def deposit_rules(settings: Settings) -> DepositRules:
    group_vault = resolve_custody(settings) is PocketCustody.GROUP
    return DepositRules(
        vault_address=settings.pocket.vault_address,
        eth_chain_id=settings.ethereum.chain_id,
        denom=settings.pocket.denom,
        max_deposit=settings.caps.max_deposit_upokt,
        paused=False,
        refund_fee=0 if group_vault else settings.pocket.fee_upokt,
    )
