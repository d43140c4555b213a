"""Reads of a group vault from the Pocket REST gateway (cosmos-sdk v0.53 ``x/group``).

Routes and JSON shapes are the SDK's (``proto/cosmos/group/v1/query.proto``; uint64 as
strings, enums as names, durations like ``"86400s"``); docs/pocket-group.md names the sources.
A successful proposal is pruned from state in the very tx that executes it, so "did it pay?"
is answered from the tx index (``EventExec`` with result SUCCESS), not from the proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.errors import ChainError
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.responses import event_attributes, json_object, parse_timestamp, uint

_GROUP = "/cosmos/group/v1"
THRESHOLD_POLICY = "/cosmos.group.v1.ThresholdDecisionPolicy"
MAX_EXECUTION_PERIOD = timedelta(days=14)  # poktroll app/app_config.go (group.DefaultConfig)
_DURATION = re.compile(r"(\d{1,12})(?:\.(\d{1,9}))?s")


class ProposalStatus(StrEnum):
    SUBMITTED = "PROPOSAL_STATUS_SUBMITTED"
    ACCEPTED = "PROPOSAL_STATUS_ACCEPTED"
    REJECTED = "PROPOSAL_STATUS_REJECTED"
    ABORTED = "PROPOSAL_STATUS_ABORTED"
    WITHDRAWN = "PROPOSAL_STATUS_WITHDRAWN"


FINAL_WITHOUT_PAYING = frozenset(
    {ProposalStatus.REJECTED, ProposalStatus.ABORTED, ProposalStatus.WITHDRAWN}
)


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    address: str
    group_id: int
    admin: str
    version: int
    policy_type: str
    threshold: int | None
    voting_period: timedelta | None
    min_execution_period: timedelta | None


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    admin: str
    version: int
    total_weight: str


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    policy: str
    proposers: tuple[str, ...]
    status: ProposalStatus
    executor_result: str
    submit_time: datetime
    voting_period_end: datetime
    group_policy_version: int
    messages: tuple[dict[str, Any], ...]
    title: str
    yes_final: int

    def expired(self, now: datetime) -> bool:
        """Past the execution window: it can never execute any more."""
        return now > self.voting_period_end + MAX_EXECUTION_PERIOD


SUCCESS = "PROPOSAL_EXECUTOR_RESULT_SUCCESS"
FAILURE = "PROPOSAL_EXECUTOR_RESULT_FAILURE"


@dataclass(frozen=True, slots=True)
class Exec:
    """A tx whose ``EventExec`` reports a proposal's execution result."""

    tx_hash: str
    height: int
    result: str
    logs: str = ""


def parse_duration(value: object, what: str) -> timedelta:
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ChainError(f"Pocket REST: {what} is not a duration: {str(value)[:40]!r}")
    micros = int((match[2] or "").ljust(9, "0")[:6] or 0)
    return timedelta(seconds=int(match[1]), microseconds=micros)


def _text(data: dict[str, Any], name: str, what: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ChainError(f"Pocket REST: {what}.{name} is not a string")
    return value


def _policy_info(data: dict[str, Any]) -> PolicyInfo:
    info = json_object(data.get("info"), "group policy info")
    policy = json_object(info.get("decision_policy"), "decision_policy")
    policy_type = _text(policy, "@type", "decision_policy")
    threshold = voting = minimum = None
    if policy_type == THRESHOLD_POLICY:
        threshold = uint(policy.get("threshold"), "threshold")
        windows = json_object(policy.get("windows"), "windows")
        voting = parse_duration(windows.get("voting_period"), "voting_period")
        minimum = parse_duration(windows.get("min_execution_period"), "min_execution_period")
    return PolicyInfo(
        address=normalize_pokt_address(_text(info, "address", "info")),
        group_id=uint(info.get("group_id"), "group_id"),
        admin=_text(info, "admin", "info"),
        version=uint(info.get("version"), "version"),
        policy_type=policy_type,
        threshold=threshold,
        voting_period=voting,
        min_execution_period=minimum,
    )


def _proposal(data: dict[str, Any]) -> Proposal:
    tally = json_object(data.get("final_tally_result"), "final_tally_result")
    messages = data.get("messages")
    proposers = data.get("proposers")
    if not isinstance(messages, list) or not isinstance(proposers, list):
        raise ChainError("Pocket REST: proposal without messages or proposers lists")
    try:
        status = ProposalStatus(_text(data, "status", "proposal"))
    except ValueError:
        raise ChainError(f"Pocket REST: unknown proposal status {data.get('status')!r}") from None
    return Proposal(
        id=uint(data.get("id"), "proposal id"),
        policy=_text(data, "group_policy_address", "proposal"),
        proposers=tuple(str(p) for p in proposers),
        status=status,
        executor_result=_text(data, "executor_result", "proposal"),
        submit_time=parse_timestamp(data.get("submit_time"), "submit_time"),
        voting_period_end=parse_timestamp(data.get("voting_period_end"), "voting_period_end"),
        group_policy_version=uint(data.get("group_policy_version"), "group_policy_version"),
        messages=tuple(json_object(m, "proposal message") for m in messages),
        title=str(data.get("title", "")),
        yes_final=uint(tally.get("yes_count", "0"), "yes_count"),
    )


def _event_value(raw: object) -> str:
    """A typed event's attribute is raw JSON: ``"5"`` with the quotes."""
    text = str(raw)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def typed_events(response: dict[str, Any], event_type: str) -> list[dict[str, str]]:
    """The attributes (JSON quotes removed) of every typed event of ``event_type`` in a tx."""
    return [
        {key: _event_value(value) for key, value in attributes.items()}
        for attributes in event_attributes(response, event_type)
    ]


class GroupReader:
    """The group queries of one Pocket REST endpoint."""

    def __init__(self, client: PocketClient) -> None:
        self.client = client

    def policy(self, address: str) -> PolicyInfo | None:
        address = normalize_pokt_address(address)
        data = self.client.query(f"{_GROUP}/group_policy_info/{address}", not_found_ok=True)
        return None if data is None else _policy_info(data)

    def group(self, group_id: int) -> GroupInfo | None:
        data = self.client.query(f"{_GROUP}/group_info/{group_id}", not_found_ok=True)
        if data is None:
            return None
        info = json_object(data.get("info"), "group info")
        return GroupInfo(
            id=uint(info.get("id"), "group id"),
            admin=_text(info, "admin", "group info"),
            version=uint(info.get("version"), "group version"),
            total_weight=str(info.get("total_weight", "")),
        )

    def members(self, group_id: int) -> dict[str, str]:
        """Member address -> weight (as the chain prints it, e.g. ``"1"``)."""
        found: dict[str, str] = {}
        for item in self._pages(f"{_GROUP}/group_members/{group_id}", "members"):
            member = json_object(item.get("member"), "member")
            found[_text(member, "address", "member")] = _text(member, "weight", "member")
        return found

    def proposal(self, proposal_id: int) -> Proposal | None:
        data = self.client.query(f"{_GROUP}/proposal/{proposal_id}", not_found_ok=True)
        return None if data is None else _proposal(json_object(data.get("proposal"), "proposal"))

    def proposals(self, policy: str) -> list[Proposal]:
        """Every proposal of the policy still in state (any status), by id."""
        policy = normalize_pokt_address(policy)
        path = f"{_GROUP}/proposals_by_group_policy/{policy}"
        return [_proposal(item) for item in self._pages(path, "proposals")]

    def yes_votes(self, proposal_id: int) -> int:
        """The live YES weight of an open proposal (the SDK's tally, current member weights)."""
        data = self.client.query(f"{_GROUP}/proposals/{proposal_id}/tally", not_found_ok=True)
        if data is None:
            return 0
        tally = json_object(data.get("tally"), "tally")
        return uint(tally.get("yes_count", "0"), "yes_count")

    def voted(self, proposal_id: int, voter: str) -> bool:
        path = f"{_GROUP}/vote_by_proposal_voter/{proposal_id}/{voter}"
        return self.client.query(path, not_found_ok=True) is not None

    def executions(self, proposal_id: int, result: str) -> list[Exec]:
        """Every indexed, successful tx whose ``EventExec`` reports ``result`` for the proposal,
        oldest first, all pages (a proposal may see any number of NOT_RUN / FAILURE execs)."""
        query = (
            f"cosmos.group.v1.EventExec.proposal_id='\"{proposal_id}\"' AND "
            f"cosmos.group.v1.EventExec.result='\"{result}\"'"
        )
        found: list[Exec] = []
        for response in self.client.iter_txs(query):
            if response.get("code", 0) not in (0, "0"):
                continue
            for attributes in typed_events(response, "cosmos.group.v1.EventExec"):
                if (attributes.get("proposal_id"), attributes.get("result")) == (
                    str(proposal_id),
                    result,
                ):
                    found.append(
                        Exec(
                            tx_hash=str(response.get("txhash", "")).upper(),
                            height=uint(response.get("height"), "tx height"),
                            result=result,
                            logs=attributes.get("logs", ""),
                        )
                    )
        return found

    def submitted(self, proposal_id: int) -> dict[str, Any] | None:
        """The ``MsgSubmitProposal`` (as the gateway prints it) of the tx that created the
        proposal: what it said, even after the proposal is pruned. None if not indexed."""
        query = f"cosmos.group.v1.EventSubmitProposal.proposal_id='\"{proposal_id}\"'"
        for response in self.client.iter_txs(query):
            if response.get("code", 0) not in (0, "0"):
                continue
            created = [
                a for a in typed_events(response, "cosmos.group.v1.EventSubmitProposal")
                if a.get("proposal_id") == str(proposal_id)
            ]  # fmt: skip
            index = created[0].get("msg_index") if created else None
            messages = ((response.get("tx") or {}).get("body") or {}).get("messages") or []
            if index is not None and index.isdigit() and int(index) < len(messages):
                message = messages[int(index)]
                return message if isinstance(message, dict) else None
        return None

    def _pages(self, path: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_key: str | None = None
        for _ in range(1000):
            params = [("pagination.limit", "100")]
            if next_key:
                params.append(("pagination.key", next_key))
            data = self.client.query(path, params) or {}
            page = data.get(key)
            if not isinstance(page, list):
                raise ChainError(f"Pocket REST: {path} answered without a {key} list")
            items.extend(json_object(item, key) for item in page)
            pagination = data.get("pagination") or {}
            next_key = pagination.get("next_key") if isinstance(pagination, dict) else None
            if not next_key:
                return items
        raise ChainError(f"Pocket REST: {path} pagination does not end")
