"""The deposit classification rules of this node, from its settings.

Every node must classify the same tx the same way, so only cluster-wide settings go in:
the vault, the Ethereum chain id, the denom and the per-deposit cap. The per-node
``caps.paused`` switch is not one of them (a paused node signs nothing, but it still sees
deposits as everyone else does).

Every bad deposit is recorded as a refund, whatever the vault: one the back end cannot pay
fails visibly at ``started`` (``below_minimum_payout`` on a group vault, whose members pay the
fees; ``amount_not_above_fee`` on a multisig vault, which pays the fee out of the refund), and
one the node never pays (several senders, other coins...) fails with its named error.
"""

from __future__ import annotations

from wpokt_node.config import Settings
from wpokt_node.pokt.deposits import DepositRules


def deposit_rules(settings: Settings) -> DepositRules:
    return DepositRules(
        vault_address=settings.pocket.vault_address,
        eth_chain_id=settings.ethereum.chain_id,
        denom=settings.pocket.denom,
        max_deposit=settings.caps.max_deposit_upokt,
        paused=False,
    )
