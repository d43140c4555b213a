"""x/group state in the simulator's JSON state file (``ChainState.save``/``restore``)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from google.protobuf import any_pb2

from wpokt_devnet.pokt_sim.group import GroupModule
from wpokt_devnet.pokt_sim.group_tx import pack
from wpokt_devnet.pokt_sim.group_types import (
    Group,
    Option,
    Policy,
    Proposal,
    Result,
    Status,
    VoteInfo,
)


def _micros(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def _group(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "admin": group.admin,
        "version": group.version,
        "metadata": group.metadata,
        "created_at": group.created_at.isoformat(),
        "members": [
            [address, weight, *_member_info(group, address)]
            for address, weight in group.members.items()
        ],
    }


def _member_info(group: Group, address: str) -> list[str]:
    metadata, added_at = group.member_info.get(address, ("", group.created_at))
    return [metadata, added_at.isoformat()]


def _policy(policy: Policy) -> dict[str, Any]:
    return {
        "address": policy.address,
        "group_id": policy.group_id,
        "admin": policy.admin,
        "threshold": policy.threshold,
        "voting_period_us": _micros(policy.voting_period),
        "min_execution_period_us": _micros(policy.min_execution_period),
        "version": policy.version,
        "metadata": policy.metadata,
        "created_at": policy.created_at.isoformat(),
        "sequence": policy.sequence,
    }


def _proposal(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "policy": proposal.policy,
        "proposers": proposal.proposers,
        "messages": [[m.type_url, base64.b64encode(m.value).decode()] for m in proposal.messages],
        "title": proposal.title,
        "summary": proposal.summary,
        "metadata": proposal.metadata,
        "submit_time": proposal.submit_time.isoformat(),
        "voting_period_end": proposal.voting_period_end.isoformat(),
        "status": proposal.status.value,
        "result": proposal.result.value,
        "final_tally": {option.value: count for option, count in proposal.final_tally.items()},
        "votes": [
            [voter, vote.option.value, vote.submit_time.isoformat(), vote.metadata]
            for voter, vote in proposal.vote_info.items()
        ],
        "group_version": proposal.group_version,
        "group_policy_version": proposal.group_policy_version,
    }


def group_snapshot(module: GroupModule) -> dict[str, Any]:
    return {
        "group_seq": module.group_seq,
        "policy_seq": module.policy_seq,
        "proposal_seq": module.proposal_seq,
        "groups": [_group(g) for g in module.groups.values()],
        "policies": [_policy(p) for p in module.policies.values()],
        "proposals": [_proposal(p) for p in module.proposals.values()],
    }


def _restore_group(raw: dict[str, Any]) -> Group:
    group = Group(int(raw["id"]), str(raw["admin"]), {}, int(raw["version"]), str(raw["metadata"]))
    group.created_at = datetime.fromisoformat(raw["created_at"])
    for address, weight, metadata, added_at in raw["members"]:
        group.members[address] = int(weight)
        group.member_info[address] = (str(metadata), datetime.fromisoformat(added_at))
    return group


def _restore_policy(raw: dict[str, Any]) -> Policy:
    return Policy(
        address=str(raw["address"]),
        group_id=int(raw["group_id"]),
        admin=str(raw["admin"]),
        threshold=int(raw["threshold"]),
        voting_period=timedelta(microseconds=int(raw["voting_period_us"])),
        min_execution_period=timedelta(microseconds=int(raw["min_execution_period_us"])),
        version=int(raw["version"]),
        metadata=str(raw["metadata"]),
        created_at=datetime.fromisoformat(raw["created_at"]),
        sequence=int(raw["sequence"]),
    )


def _restore_proposal(raw: dict[str, Any]) -> Proposal:
    proposal = Proposal(
        int(raw["id"]),
        str(raw["policy"]),
        [str(p) for p in raw["proposers"]],
        [pack(any_pb2.Any(type_url=t, value=base64.b64decode(v))) for t, v in raw["messages"]],
        str(raw["title"]),
        str(raw["summary"]),
        datetime.fromisoformat(raw["submit_time"]),
        datetime.fromisoformat(raw["voting_period_end"]),
        Status(raw["status"]),
        Result(raw["result"]),
        {Option(k): int(v) for k, v in raw["final_tally"].items()},
    )
    for voter, option, submit_time, metadata in raw["votes"]:
        vote = VoteInfo(Option(option), datetime.fromisoformat(submit_time), str(metadata))
        proposal.votes[voter] = vote.option
        proposal.vote_info[voter] = vote
    proposal.group_version = int(raw["group_version"])
    proposal.group_policy_version = int(raw["group_policy_version"])
    proposal.metadata = str(raw["metadata"])
    return proposal


def restore_groups(raw: dict[str, Any]) -> GroupModule:
    module = GroupModule()
    module.group_seq = int(raw["group_seq"])
    module.policy_seq = int(raw["policy_seq"])
    module.proposal_seq = int(raw["proposal_seq"])
    module.groups = {g.id: g for g in map(_restore_group, raw["groups"])}
    module.policies = {p.address: p for p in map(_restore_policy, raw["policies"])}
    module.proposals = {p.id: p for p in map(_restore_proposal, raw["proposals"])}
    return module
