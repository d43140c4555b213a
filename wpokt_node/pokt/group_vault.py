"""The group vault as configured and as the chain holds it: which back end a config means, the
startup checks (one line per problem), and the operator's view (``wpokt-node vault show``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from google.protobuf import any_pb2

from wpokt_node.addresses import address_from_secp256k1_pubkey
from wpokt_node.config import PocketCustody, Settings
from wpokt_node.errors import ChainError
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_msgs import create_group_with_policy
from wpokt_node.pokt.group_reads import (
    THRESHOLD_POLICY,
    GroupReader,
    PolicyInfo,
    Proposal,
    typed_events,
)
from wpokt_node.pokt.member_tx import MemberAccount
from wpokt_node.pokt.multisig import vault_address

CREATED_POLICY_EVENT = "cosmos.group.v1.EventCreateGroupPolicy"


def resolve_custody(settings: Settings) -> PocketCustody:
    """``auto`` means the multisig back end when the vault is the members' multisig, else group."""
    setting = settings.pocket.custody
    if setting is not PocketCustody.AUTO:
        return setting
    multisig = vault_address(settings.cluster.threshold, settings.pocket.member_public_keys)
    is_multisig = multisig == settings.pocket.vault_address
    return PocketCustody.MULTISIG if is_multisig else PocketCustody.GROUP


def member_addresses(settings: Settings) -> list[str]:
    """The member account of each configured key, in config order."""
    return [
        address_from_secp256k1_pubkey(bytes.fromhex(key))
        for key in settings.pocket.member_public_keys
    ]


def _policy_problems(policy: PolicyInfo, settings: Settings) -> list[str]:
    vault = settings.pocket.vault_address
    problems: list[str] = []
    if policy.policy_type != THRESHOLD_POLICY:
        problems.append(f"the vault's decision policy is {policy.policy_type}, not a threshold")
        return problems
    if policy.threshold != settings.cluster.threshold:
        problems.append(
            f"the vault's threshold is {policy.threshold} but cluster.threshold is "
            f"{settings.cluster.threshold}"
        )
    voting = timedelta(seconds=settings.pocket.group.voting_period_s)
    if policy.voting_period != voting:
        problems.append(
            f"the vault's voting period is {policy.voting_period} but "
            f"pocket.group.voting_period_s says {voting}"
        )
    if policy.min_execution_period != timedelta(0):
        problems.append(
            f"the vault's min_execution_period is {policy.min_execution_period}, not 0s: the "
            "last vote could not pay out at once"
        )
    if policy.admin != vault:
        problems.append(
            f"the vault policy's admin is {policy.admin}, not the policy itself: that account "
            "alone could change the vault"
        )
    return problems


def group_vault_problems(
    reader: GroupReader, settings: Settings, own_public_key: bytes
) -> list[str]:
    """Every way the chain's group vault differs from the config (empty: all is well)."""
    vault = settings.pocket.vault_address
    policy = reader.policy(vault)
    if policy is None:
        return [
            f"pocket.vault_address {vault} is not a group policy on chain (create it with "
            "`wpokt-node vault create-group`)"
        ]
    problems = _policy_problems(policy, settings)
    group = reader.group(policy.group_id)
    if group is None:
        problems.append(f"the vault's group {policy.group_id} is not on chain")
    elif group.admin != vault:
        problems.append(
            f"group {policy.group_id}'s admin is {group.admin}, not the vault policy: that "
            "account alone could change the members"
        )
    expected = member_addresses(settings)
    members = reader.members(policy.group_id)
    missing = sorted(set(expected) - set(members))
    extra = sorted(set(members) - set(expected))
    if missing:
        problems.append(f"configured members missing from the group: {', '.join(missing)}")
    if extra:
        problems.append(f"group members not in pocket.member_public_keys: {', '.join(extra)}")
    heavy = sorted(address for address, weight in members.items() if weight != "1")
    if heavy:
        problems.append(f"members whose weight is not 1: {', '.join(heavy)}")
    own = address_from_secp256k1_pubkey(own_public_key)
    if own not in members:
        problems.append(f"this node's member account {own} is not a member of the vault group")
    return problems


@dataclass
class VaultView:
    vault: str
    balance: int
    policy: PolicyInfo | None
    group_admin: str | None
    members: dict[str, tuple[str, int]] = field(default_factory=dict)  # address -> weight, balance
    proposals: list[Proposal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def vault_view(client: PocketClient, settings: Settings, own_public_key: bytes) -> VaultView:
    reader = GroupReader(client)
    vault = settings.pocket.vault_address
    denom = settings.pocket.denom
    policy = reader.policy(vault)
    view = VaultView(vault, client.balance(vault, denom), policy, None)
    view.problems = group_vault_problems(reader, settings, own_public_key)
    if policy is None:
        return view
    group = reader.group(policy.group_id)
    view.group_admin = group.admin if group else None
    on_chain = reader.members(policy.group_id)
    fee = settings.pocket.fee_upokt
    for address in sorted(set(on_chain) | set(member_addresses(settings))):
        balance = client.balance(address, denom)
        view.members[address] = (on_chain.get(address, "-"), balance)
        if balance < fee:
            view.problems.append(
                f"member account {address} holds {balance}{denom}, less than one fee "
                f"({fee}{denom}): that node cannot vote until it is funded"
            )
    view.proposals = reader.proposals(vault)
    return view


def create_group_vault(
    member: MemberAccount,
    members: Sequence[str],
    *,
    threshold: int,
    voting_period: timedelta,
    wait_s: float = 60.0,
) -> tuple[str, str]:
    """Send the one-time creation from ``member`` and wait for it; returns (tx hash, vault)."""
    message = create_group_with_policy(
        member.address, members, threshold=threshold, voting_period=voting_period
    )
    return send_group_creation(member, message, wait_s=wait_s)


def send_group_creation(
    member: MemberAccount, message: any_pb2.Any, *, wait_s: float = 60.0
) -> tuple[str, str]:
    """Send a built ``MsgCreateGroupWithPolicy`` and wait for it; returns (tx hash, vault)."""
    tx_hash = member.send([message])
    found = member.client.wait_for_tx(tx_hash, timeout_s=wait_s, poll_s=0.2)
    if found is None:
        raise ChainError(f"tx {tx_hash} was not in a block after {wait_s:.0f}s")
    if found.get("code", 0) not in (0, "0"):
        raise ChainError(f"tx {tx_hash} failed: {str(found.get('raw_log', ''))[:300]}")
    return tx_hash, created_policy(found)


def created_policy(tx_response: dict[str, Any]) -> str:
    """The policy address a creation tx reports (``EventCreateGroupPolicy``)."""
    for attributes in typed_events(tx_response, CREATED_POLICY_EVENT):
        if "address" in attributes:
            return attributes["address"]
    raise ChainError("the creation tx has no EventCreateGroupPolicy")
