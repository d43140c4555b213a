"""The configuration of vault releases (burn payouts and refunds) and their kinds.

A release is one ``MsgSend`` from the T-of-N vault. From a multisig vault (one vault sequence
per release) the vault pays the fee, so the recipient receives ``amount - fee`` and an amount
not above the fee is never paid. From a group vault the members pay every fee, so the
recipient receives the whole amount and the vault balance stays exactly the wPOKT supply plus
what is in flight; amounts below ``pocket.group.min_payout_upokt`` are not paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wpokt_node.config import GroupVaultSettings, PocketCustody, Settings
from wpokt_node.custody.source_window import SourceWindow
from wpokt_node.db.schema import BURNS, REFUNDS
from wpokt_node.errors import ValidationError
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.pokt.deposit_rules import vault_rules
from wpokt_node.pokt.deposits import DepositRules
from wpokt_node.pokt.group_vault import resolve_custody
from wpokt_node.pokt.multisig import MultisigPubKey

AMOUNT_NOT_ABOVE_FEE = "amount_not_above_fee"
BELOW_MINIMUM_PAYOUT = "below_minimum_payout"


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
    custody: PocketCustody  # GROUP or MULTISIG, resolved
    vault_address: str
    multisig: MultisigPubKey
    group: GroupVaultSettings
    fee: int
    gas: int
    denom: str
    pokt_confirmations: int
    missing_tx_blocks: int
    vault_rules: tuple[DepositRules, ...]  # the current vault's first, then retired ones
    token_address: str
    eth_policy: ConfirmationPolicy
    window: SourceWindow
    member_keys: tuple[str, ...] = ()  # a node may run with: the members and a rotation's new key

    @property
    def vault(self) -> str:
        return self.vault_address

    @property
    def own_vaults(self) -> tuple[str, ...]:
        """The current vault and the retired ones."""
        return tuple(rules.vault_address for rules in self.vault_rules)

    @property
    def threshold(self) -> int:
        return self.multisig.threshold

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleaseConfig:
        pocket = settings.pocket
        multisig = MultisigPubKey.from_hex_keys(
            settings.cluster.threshold, pocket.member_public_keys
        )
        custody = resolve_custody(settings)
        if custody is PocketCustody.MULTISIG and multisig.address() != pocket.vault_address:
            raise ValidationError(
                "pocket.vault_address is not the multisig of pocket.member_public_keys"
            )
        return cls(
            chain_id=pocket.chain_id,
            custody=custody,
            vault_address=pocket.vault_address,
            multisig=multisig,
            group=pocket.group,
            fee=pocket.fee_upokt,
            gas=pocket.gas_limit,
            denom=pocket.denom,
            pokt_confirmations=pocket.confirmations,
            missing_tx_blocks=pocket.missing_tx_blocks,
            vault_rules=vault_rules(settings),
            token_address=settings.ethereum.token_address,
            eth_policy=ConfirmationPolicy.from_setting(settings.ethereum.confirmations),
            window=SourceWindow.from_settings(settings),
            member_keys=tuple(settings.accepted_members()),
        )


def payout_amount(entry_amount: int, fee: int) -> int | None:
    """What the recipient receives (the vault pays the fee); None if nothing would be left."""
    return entry_amount - fee if entry_amount > fee else None
