"""The configuration of vault releases (burn payouts and refunds) and their kinds.

A release is one ``MsgSend`` from the T-of-N vault at one vault sequence; the vault pays the
fee, so the recipient receives ``amount - fee`` and an amount not above the fee is never paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wpokt_node.config import Settings
from wpokt_node.db.schema import BURNS, REFUNDS
from wpokt_node.errors import ValidationError
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.pokt.deposit_rules import deposit_rules
from wpokt_node.pokt.deposits import DepositRules
from wpokt_node.pokt.multisig import MultisigPubKey

AMOUNT_NOT_ABOVE_FEE = "amount_not_above_fee"


class ReleaseKind(StrEnum):
    BURN = "burn"
    REFUND = "refund"

    @property
    def collection(self) -> str:
        return BURNS if self is ReleaseKind.BURN else REFUNDS


@dataclass(frozen=True, slots=True)
class ReleaseConfig:
    """This node's configuration of vault releases (identical across a healthy cluster)."""

    chain_id: str
    multisig: MultisigPubKey
    fee: int
    gas: int
    denom: str
    pokt_confirmations: int
    deposit_rules: DepositRules
    token_address: str
    eth_policy: ConfirmationPolicy

    @property
    def vault(self) -> str:
        return self.multisig.address()

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleaseConfig:
        pocket = settings.pocket
        multisig = MultisigPubKey.from_hex_keys(
            settings.cluster.threshold, pocket.member_public_keys
        )
        if multisig.address() != pocket.vault_address:
            raise ValidationError(
                "pocket.vault_address is not the multisig of pocket.member_public_keys"
            )
        return cls(
            chain_id=pocket.chain_id,
            multisig=multisig,
            fee=pocket.fee_upokt,
            gas=pocket.gas_limit,
            denom=pocket.denom,
            pokt_confirmations=pocket.confirmations,
            deposit_rules=deposit_rules(settings),
            token_address=settings.ethereum.token_address,
            eth_policy=ConfirmationPolicy.from_setting(settings.ethereum.confirmations),
        )


def payout_amount(entry_amount: int, fee: int) -> int | None:
    """What the recipient receives (the vault pays the fee); None if nothing would be left."""
    return entry_amount - fee if entry_amount > fee else None
