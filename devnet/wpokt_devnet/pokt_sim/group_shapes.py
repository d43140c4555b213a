"""x/group query answers in the gateway's JSON (``gateway.JSONPb{EmitDefaults, OrigName}``):
uint64 as strings, enums as names, RFC3339 UTC timestamps, ``"86400s"`` durations, ``Any``
with ``@type`` (docs/pocket-group.md §9)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wpokt_devnet.pokt_sim.addresses import bech32_decode
from wpokt_devnet.pokt_sim.group import GroupModule
from wpokt_devnet.pokt_sim.group_tx import ThresholdPolicy
from wpokt_devnet.pokt_sim.group_types import Group, Policy, Proposal, VoteInfo, tally_json


def timestamp_json(moment: datetime) -> str:
    """RFC3339 in UTC with 0, 3, 6 (or 9) fraction digits, as protobuf JSON prints them."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros == 0:
        return text + "Z"
    if micros % 1000 == 0:
        return f"{text}.{micros // 1000:03d}Z"
    return f"{text}.{micros:06d}Z"


def pagination(total: int) -> dict[str, Any]:
    return {"next_key": None, "total": str(total)}


def address_order(address: str) -> bytes:
    """The orm's key order: the raw bytes of a bech32 address."""
    return bech32_decode(address)[1]


def group_info(group: Group) -> dict[str, Any]:
    return {
        "id": str(group.id),
        "admin": group.admin,
        "metadata": group.metadata,
        "version": str(group.version),
        "total_weight": str(sum(group.members.values())),
        "created_at": timestamp_json(group.created_at),
    }


def group_members(group: Group) -> list[dict[str, Any]]:
    members = []
    for address in sorted(group.members, key=address_order):
        metadata, added_at = group.member_info.get(address, ("", group.created_at))
        member = {
            "address": address,
            "weight": str(group.members[address]),
            "metadata": metadata,
            "added_at": timestamp_json(added_at),
        }
        members.append({"group_id": str(group.id), "member": member})
    return members


def policy_info(policy: Policy) -> dict[str, Any]:
    decision = ThresholdPolicy(
        str(policy.threshold), policy.voting_period, policy.min_execution_period
    )
    return {
        "address": policy.address,
        "group_id": str(policy.group_id),
        "admin": policy.admin,
        "metadata": policy.metadata,
        "version": str(policy.version),
        "decision_policy": decision.to_json(),
        "created_at": timestamp_json(policy.created_at),
    }


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": str(proposal.id),
        "group_policy_address": proposal.policy,
        "metadata": proposal.metadata,
        "proposers": list(proposal.proposers),
        "submit_time": timestamp_json(proposal.submit_time),
        "group_version": str(proposal.group_version),
        "group_policy_version": str(proposal.group_policy_version),
        "status": proposal.status.value,
        "final_tally_result": tally_json(proposal.final_tally),
        "voting_period_end": timestamp_json(proposal.voting_period_end),
        "executor_result": proposal.result.value,
        "messages": [message.to_json() for message in proposal.messages],
        "title": proposal.title,
        "summary": proposal.summary,
    }


def vote_json(proposal_id: int, voter: str, vote: VoteInfo) -> dict[str, Any]:
    return {
        "proposal_id": str(proposal_id),
        "voter": voter,
        "option": vote.option.value,
        "metadata": vote.metadata,
        "submit_time": timestamp_json(vote.submit_time),
    }


def votes_of_proposal(proposal: Proposal) -> list[dict[str, Any]]:
    return [
        vote_json(proposal.id, voter, proposal.vote_info[voter])
        for voter in sorted(proposal.vote_info, key=address_order)
    ]


def votes_of_voter(module: GroupModule, voter: str) -> list[dict[str, Any]]:
    return [
        vote_json(proposal.id, voter, proposal.vote_info[voter])
        for proposal in sorted(module.proposals.values(), key=lambda p: p.id)
        if voter in proposal.vote_info
    ]
