"""``GET /cosmos/group/v1/...``: the x/group query routes of ``proto/cosmos/group/v1/query.proto``
(docs/pocket-group.md §9). Errors are the keeper's: ``NotFoundError`` or ``GroupError``, which
the gateway answers with HTTP 500 and gRPC code 2 (the SDK errors carry no gRPC code).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wpokt_devnet.pokt_sim import group_shapes as shapes
from wpokt_devnet.pokt_sim.group import GroupModule
from wpokt_devnet.pokt_sim.group_types import (
    ERR_INVALID,
    GroupError,
    NotFoundError,
    Status,
)

Query = Callable[[GroupModule], dict[str, Any]]


def _id(text: str) -> int:
    if not text.isdigit():
        raise GroupError(ERR_INVALID, f"invalid id {text[:40]!r}")
    return int(text)


def _group_info(group_id: int) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        if group_id not in module.groups:
            raise NotFoundError("group: not found")
        return {"info": shapes.group_info(module.groups[group_id])}

    return read


def _policy_info(address: str) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        if address not in module.policies:
            raise NotFoundError("group policy: not found")
        return {"info": shapes.policy_info(module.policies[address])}

    return read


def _members(group_id: int) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        group = module.groups.get(group_id)
        members = shapes.group_members(group) if group else []
        return {"members": members, "pagination": shapes.pagination(len(members))}

    return read


def _policies_by_group(group_id: int) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        found = [p for p in module.policies.values() if p.group_id == group_id]
        found.sort(key=lambda p: shapes.address_order(p.address))
        return {
            "group_policies": [shapes.policy_info(p) for p in found],
            "pagination": shapes.pagination(len(found)),
        }

    return read


def _proposal(proposal_id: int) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        return {"proposal": shapes.proposal_json(module.proposal(proposal_id))}

    return read


def _proposals_by_policy(address: str) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        found = sorted(
            (p for p in module.proposals.values() if p.policy == address), key=lambda p: p.id
        )
        return {
            "proposals": [shapes.proposal_json(p) for p in found],
            "pagination": shapes.pagination(len(found)),
        }

    return read


def _vote(proposal_id: int, voter: str) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        proposal = module.proposals.get(proposal_id)
        if proposal is None or voter not in proposal.vote_info:
            raise NotFoundError("not found")
        return {"vote": shapes.vote_json(proposal_id, voter, proposal.vote_info[voter])}

    return read


def _votes_by_proposal(proposal_id: int) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        proposal = module.proposals.get(proposal_id)
        votes = shapes.votes_of_proposal(proposal) if proposal else []
        return {"votes": votes, "pagination": shapes.pagination(len(votes))}

    return read


def _votes_by_voter(voter: str) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        votes = shapes.votes_of_voter(module, voter)
        return {"votes": votes, "pagination": shapes.pagination(len(votes))}

    return read


def _tally(proposal_id: int) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        proposal = module.proposal(proposal_id)
        if proposal.status in (Status.WITHDRAWN, Status.ABORTED):
            raise GroupError(
                ERR_INVALID,
                f"can't get the tally of a proposal with status {proposal.status.value}",
            )
        return {"tally": module.tally_json(proposal)}

    return read


def _groups_by_member(address: str) -> Query:
    def read(module: GroupModule) -> dict[str, Any]:
        found = sorted(
            (g for g in module.groups.values() if address in g.members), key=lambda g: g.id
        )
        return {
            "groups": [shapes.group_info(g) for g in found],
            "pagination": shapes.pagination(len(found)),
        }

    return read


_ROUTES: dict[tuple[str, ...], tuple[str, Callable[..., Query]]] = {
    # path words ("#" an id, "@" an address) -> argument kinds, query
    ("group_info", "#"): ("#", _group_info),
    ("group_policy_info", "@"): ("@", _policy_info),
    ("group_members", "#"): ("#", _members),
    ("group_policies_by_group", "#"): ("#", _policies_by_group),
    ("proposal", "#"): ("#", _proposal),
    ("proposals_by_group_policy", "@"): ("@", _proposals_by_policy),
    ("vote_by_proposal_voter", "#", "@"): ("#@", _vote),
    ("votes_by_proposal", "#"): ("#", _votes_by_proposal),
    ("votes_by_voter", "@"): ("@", _votes_by_voter),
    ("proposals", "#", "tally"): ("#", _tally),
    ("groups_by_member", "@"): ("@", _groups_by_member),
}


def group_query(rest: list[str], address: Callable[[str], str]) -> Query | None:
    """The query for ``/cosmos/group/v1/<rest>``; None for an unknown route."""
    for pattern, (kinds, make) in _ROUTES.items():
        if len(pattern) != len(rest) or any(
            word not in ("#", "@") and word != part
            for word, part in zip(pattern, rest, strict=True)
        ):
            continue
        raw = [part for word, part in zip(pattern, rest, strict=True) if word in ("#", "@")]
        args = [
            _id(text) if kind == "#" else address(text)
            for kind, text in zip(kinds, raw, strict=True)
        ]
        return make(*args)
    return None
