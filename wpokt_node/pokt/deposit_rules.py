"""The deposit classification rules of this node, from its settings.

Every node must classify the same tx the same way, so only cluster-wide settings go in:
the vault, the Ethereum chain id, the denom and the per-deposit cap. The per-node
``caps.paused`` switch is not one of them (a paused node signs nothing, but it still sees
deposits as everyone else does).

Every bad deposit is recorded as a refund, whatever the vault: one the back end cannot pay
fails visibly at ``started`` (``below_minimum_payout`` on a group vault, whose members pay the
fees; ``amount_not_above_fee`` on a multisig vault, which pays the fee out of the refund), and
one the node never pays (several senders, other coins...) fails with its named error.

The vault includes the retired vaults this cluster took over (``pocket.retired_vaults``): a
deposit to one of them is classified the same way, against that vault. ``classify_for_vaults``
picks the vault a tx paid, the current vault first, so every node records and re-checks an entry
against the same vault whatever the entry's stored ``vault_address`` says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from wpokt_node.config import Settings
from wpokt_node.pokt.deposit_flows import Part
from wpokt_node.pokt.deposits import (
    Classification,
    DepositKind,
    DepositRules,
    IgnoreReason,
    classify_deposit,
    unpayable_error,
)
from wpokt_node.pokt.memo import RefundReason


def deposit_rules(settings: Settings, vault_address: str | None = None) -> DepositRules:
    """The rules of the current vault (or of ``vault_address``); a plain send from one of the
    bridge's other vaults into it is no deposit (a sweep of a retired vault)."""
    vault = vault_address or settings.pocket.vault_address
    every = [settings.pocket.vault_address, *(v.address for v in settings.pocket.retired_vaults)]
    return DepositRules(
        vault_address=vault,
        eth_chain_id=settings.ethereum.chain_id,
        denom=settings.pocket.denom,
        max_deposit=settings.caps.max_deposit_upokt,
        paused=False,
        own_vaults=frozenset(v for v in every if v != vault),
    )


def vault_rules(settings: Settings) -> tuple[DepositRules, ...]:
    """The rules of the current vault, then of each retired vault (by address)."""
    addresses = sorted(v.address for v in settings.pocket.retired_vaults)  # one order on all nodes
    retired = [deposit_rules(settings, address) for address in addresses]
    return (deposit_rules(settings), *retired)


def classify_for_vaults(
    response: Mapping[str, Any], rules: Sequence[DepositRules]
) -> tuple[Classification, DepositRules]:
    """The tx classified against the first vault it moved coins into (the current vault's
    verdict if it paid none of them), and that vault's rules. A tx that paid two of them is
    one unpayable refund of all it brought (``several_vaults``): one entry per tx, so no part
    of it may go unrecorded."""
    paid = [(classify_deposit(response, vault), vault) for vault in rules]
    hits = [(v, r) for v, r in paid if not _missed(v)]
    if not hits:
        return paid[0]
    verdict, vault = hits[0]
    if len(hits) > 1:
        parts = tuple(part for v, r in hits for part in (v.parts or _sender_part(v, r)))
        error = unpayable_error(RefundReason.SEVERAL_VAULTS, parts)
        verdict = replace(
            verdict,
            kind=DepositKind.REFUND,
            reason=RefundReason.SEVERAL_VAULTS,
            amount=sum(v.amount for v, _ in hits),
            recipient=None,
            parts=parts,
            unpayable=error,
        )
    return verdict, vault


def _missed(verdict: Classification) -> bool:
    """The tx moved nothing into this vault (a failed or unreadable tx is that for every vault
    alike: it counts as one verdict, not as several vaults paid)."""
    return verdict.kind is DepositKind.IGNORE and verdict.reason != IgnoreReason.VAULT_TRANSFER


def _sender_part(verdict: Classification, rules: DepositRules) -> tuple[Part, ...]:
    coins = ((rules.denom, verdict.amount),) if verdict.amount else ()
    return (Part(verdict.sender or "", coins),)
