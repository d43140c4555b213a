"""x/group as cosmos-sdk v0.53 runs it: groups, threshold policies, proposals, votes, exec.

The chain behaviour, with its sources, is in docs/pocket-group.md; the references below are to
cosmos-sdk ``x/group/keeper/msg_server.go`` (``ms.go``), ``keeper.go``, ``tally.go`` and
``x/group/types.go`` at v0.53.3. Not wired into the simulator's transactions yet: messages are
executed by calling the methods, and a proposal's inner messages run through ``run_msgs``
(the state's bank), which must apply all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from wpokt_devnet.pokt_sim.addresses import bech32_encode
from wpokt_devnet.pokt_sim.events import Event, event

CODESPACE = "group"  # x/group/errors/errors.go
ERR_EMPTY, ERR_DUPLICATE, ERR_MAX_LIMIT, ERR_INVALID, ERR_UNAUTHORIZED, ERR_EXPIRED = (
    2,
    3,
    4,
    6,
    7,
    9,
)
MAX_METADATA_LEN = 255  # poktroll app/app_config.go: group.DefaultConfig()
MAX_EXECUTION_PERIOD = timedelta(days=14)
POLICY_TABLE_PREFIX = b"\x20"  # keeper.go GroupPolicyTablePrefix

RunMsgs = Callable[[Sequence[Any]], list[Event]]


class GroupError(Exception):
    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.codespace = CODESPACE
        super().__init__(message)


class NotFoundError(Exception):
    """The SDK's ErrNotFound (codespace sdk, code 38): ``load proposal: not found``."""


class Status(StrEnum):
    SUBMITTED = "PROPOSAL_STATUS_SUBMITTED"
    ACCEPTED = "PROPOSAL_STATUS_ACCEPTED"
    REJECTED = "PROPOSAL_STATUS_REJECTED"
    ABORTED = "PROPOSAL_STATUS_ABORTED"
    WITHDRAWN = "PROPOSAL_STATUS_WITHDRAWN"


class Result(StrEnum):
    NOT_RUN = "PROPOSAL_EXECUTOR_RESULT_NOT_RUN"
    SUCCESS = "PROPOSAL_EXECUTOR_RESULT_SUCCESS"
    FAILURE = "PROPOSAL_EXECUTOR_RESULT_FAILURE"


class Option(StrEnum):
    YES = "VOTE_OPTION_YES"
    ABSTAIN = "VOTE_OPTION_ABSTAIN"
    NO = "VOTE_OPTION_NO"
    NO_WITH_VETO = "VOTE_OPTION_NO_WITH_VETO"


def policy_address(sequence: int) -> str:
    """``address.Module("group", {0x20}, be64(seq))`` (``CreateGroupPolicy``; types/address)."""

    def hashed(kind: bytes, key: bytes) -> bytes:
        return hashlib.sha256(hashlib.sha256(kind).digest() + key).digest()

    parent = hashed(b"module", b"group\x00" + POLICY_TABLE_PREFIX)
    return bech32_encode("pokt", hashed(parent, struct.pack(">Q", sequence)))


def typed_event(name: str, **fields: object) -> Event:
    """``sdk.TypedEventToEvent``: one attribute per field, in key order, values as raw JSON."""
    return event(
        f"cosmos.group.v1.{name}",
        *((key, json.dumps(value)) for key, value in sorted(fields.items())),
    )


@dataclass
class Group:
    id: int
    admin: str
    members: dict[str, int]  # address -> weight
    version: int = 1


@dataclass
class Policy:
    address: str
    group_id: int
    admin: str
    threshold: int
    voting_period: timedelta
    min_execution_period: timedelta
    version: int = 1


@dataclass
class Proposal:
    id: int
    policy: str
    proposers: list[str]
    messages: list[Any]
    title: str
    summary: str
    submit_time: datetime
    voting_period_end: datetime
    status: Status = Status.SUBMITTED
    result: Result = Result.NOT_RUN
    final_tally: dict[Option, int] = field(default_factory=dict)
    votes: dict[str, Option] = field(default_factory=dict)


class GroupModule:
    def __init__(self) -> None:
        self.group_seq = self.policy_seq = self.proposal_seq = 0  # global, first value 1
        self.groups: dict[int, Group] = {}
        self.policies: dict[str, Policy] = {}
        self.proposals: dict[int, Proposal] = {}

    # -- groups and policies --------------------------------------------------------------------

    def create_group_with_policy(
        self,
        admin: str,
        members: dict[str, int],
        *,
        threshold: int,
        voting_period: timedelta,
        min_execution_period: timedelta = timedelta(0),
        policy_as_admin: bool = True,
    ) -> tuple[int, str, list[Event]]:
        if not members or any(weight <= 0 for weight in members.values()):
            raise GroupError(ERR_INVALID, "members: every member needs a positive weight")
        if threshold <= 0 or voting_period <= timedelta(0):
            raise GroupError(ERR_INVALID, "decision policy: threshold and voting period > 0")
        if min_execution_period > voting_period + MAX_EXECUTION_PERIOD:
            raise GroupError(ERR_INVALID, "min_execution_period too long")
        self.group_seq += 1
        group = Group(self.group_seq, admin, dict(members))
        self.policy_seq += 1
        address = policy_address(self.policy_seq)
        policy = Policy(address, group.id, admin, threshold, voting_period, min_execution_period)
        self.groups[group.id] = group
        self.policies[address] = policy
        events = [
            typed_event("EventCreateGroup", group_id=str(group.id)),
            typed_event("EventCreateGroupPolicy", address=address),
        ]
        if policy_as_admin:
            group.admin, group.version = address, group.version + 1
            policy.admin, policy.version = address, policy.version + 1
            events += [
                typed_event("EventUpdateGroup", group_id=str(group.id)),
                typed_event("EventUpdateGroupPolicy", address=address),
            ]
        return group.id, address, events

    def update_members(self, admin: str, group_id: int, changes: dict[str, int]) -> list[Event]:
        """``UpdateGroupMembers``: weight 0 removes a member; open proposals are NOT aborted."""
        group = self.groups[group_id]
        if admin != group.admin:
            raise GroupError(ERR_UNAUTHORIZED, "not group admin")
        for address, weight in changes.items():
            if weight == 0:
                group.members.pop(address, None)
            else:
                group.members[address] = weight
        group.version += 1
        return [typed_event("EventUpdateGroup", group_id=str(group_id))]

    def update_policy_threshold(self, admin: str, address: str, threshold: int) -> list[Event]:
        """A policy update (``doUpdateGroupPolicy``): aborts the policy's SUBMITTED proposals."""
        policy = self.policies[address]
        if admin != policy.admin:
            raise GroupError(ERR_UNAUTHORIZED, "not group policy admin")
        policy.threshold, policy.version = threshold, policy.version + 1
        for proposal in self.proposals.values():
            if proposal.policy == address and proposal.status is Status.SUBMITTED:
                proposal.status = Status.ABORTED
        return [typed_event("EventUpdateGroupPolicy", address=address)]

    # -- proposals ------------------------------------------------------------------------------

    def submit_proposal(
        self,
        group_policy_address: str,
        proposers: list[str],
        messages: list[Any],
        signers: Callable[[Any], list[str]],
        *,
        title: str = "",
        summary: str = "",
        now: datetime,
    ) -> tuple[int, list[Event]]:
        if not proposers:
            raise GroupError(ERR_EMPTY, "proposers: value is empty")
        if len(set(proposers)) != len(proposers):
            raise GroupError(ERR_DUPLICATE, "proposers: duplicate value")
        if len(title) > MAX_METADATA_LEN or len(summary) > 40 * MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "proposal Title: limit exceeded")
        policy = self.policies.get(group_policy_address)
        if policy is None:
            raise NotFoundError("load group policy: not found")
        group = self.groups[policy.group_id]
        for proposer in proposers:
            if proposer not in group.members:
                raise GroupError(ERR_UNAUTHORIZED, f"not in group: {proposer}")
        for message in messages:  # ensureMsgAuthZ: every inner signer is the policy account
            if any(signer != policy.address for signer in signers(message)):
                raise GroupError(ERR_UNAUTHORIZED, "msg does not have group policy authorization")
        self.proposal_seq += 1
        proposal = Proposal(
            self.proposal_seq,
            policy.address,
            list(proposers),
            list(messages),
            title,
            summary,
            now,
            now + policy.voting_period,
        )
        self.proposals[proposal.id] = proposal
        return proposal.id, [typed_event("EventSubmitProposal", proposal_id=str(proposal.id))]

    def proposal(self, proposal_id: int) -> Proposal:
        found = self.proposals.get(proposal_id)
        if found is None:
            raise NotFoundError("load proposal: not found")
        return found

    def vote(
        self,
        proposal_id: int,
        voter: str,
        option: Option,
        *,
        exec_try: bool,
        now: datetime,
        run_msgs: RunMsgs,
    ) -> list[Event]:
        proposal = self.proposal(proposal_id)
        if proposal.status is not Status.SUBMITTED:
            raise GroupError(ERR_INVALID, "proposal not open for voting")
        if now > proposal.voting_period_end:
            raise GroupError(ERR_EXPIRED, "voting period has ended already")
        if voter not in self._group_of(proposal).members:
            raise GroupError(ERR_UNAUTHORIZED, f"not in group: {voter}")
        if voter in proposal.votes:
            raise GroupError(ERR_DUPLICATE, "store vote: unique constraint violation")
        proposal.votes[voter] = option
        events = [typed_event("EventVote", proposal_id=str(proposal_id))]
        if exec_try:
            events += self.exec(proposal_id, voter, now=now, run_msgs=run_msgs)
        return events

    def exec(
        self, proposal_id: int, executor: str, *, now: datetime, run_msgs: RunMsgs
    ) -> list[Event]:
        """``Exec``: anyone may call it; tally, then run the messages of an accepted proposal."""
        proposal = self.proposal(proposal_id)
        if proposal.status not in (Status.SUBMITTED, Status.ACCEPTED):
            raise GroupError(
                ERR_INVALID, f"not possible to exec with proposal status {proposal.status.value}"
            )
        if proposal.status is Status.SUBMITTED:
            self._tally_and_update(proposal, now)
        events: list[Event] = []
        logs = ""
        if proposal.status is Status.ACCEPTED and proposal.result is not Result.SUCCESS:
            logs, events = self._execute(proposal, now, run_msgs)
        done = typed_event(
            "EventExec", proposal_id=str(proposal_id), result=proposal.result.value, logs=logs
        )
        return [*events, done]

    def _execute(
        self, proposal: Proposal, now: datetime, run_msgs: RunMsgs
    ) -> tuple[str, list[Event]]:
        policy = self.policies[proposal.policy]
        try:
            if now < proposal.submit_time + policy.min_execution_period:
                raise GroupError(ERR_INVALID, f"must wait to execute proposal {proposal.id}")
            if proposal.voting_period_end + MAX_EXECUTION_PERIOD < now:
                raise GroupError(ERR_EXPIRED, "proposal expired")
            inner = run_msgs(proposal.messages)
        except Exception as exc:  # any failing message: all or nothing, retryable
            proposal.result = Result.FAILURE
            return (
                f"proposal execution failed on proposal {proposal.id}, because of error {exc}",
                [],
            )
        proposal.result = Result.SUCCESS
        del self.proposals[proposal.id]  # pruned at once after a successful exec
        return "", [*inner, self._pruned_event(proposal)]

    def withdraw(self, proposal_id: int, address: str) -> list[Event]:
        proposal = self.proposal(proposal_id)
        if proposal.status is not Status.SUBMITTED:
            raise GroupError(
                ERR_INVALID,
                f"cannot withdraw a proposal with the status of {proposal.status.value}",
            )
        if address != self.policies[proposal.policy].admin and address not in proposal.proposers:
            raise GroupError(ERR_UNAUTHORIZED, "neither group policy admin nor in proposers")
        proposal.status = Status.WITHDRAWN
        return [typed_event("EventWithdrawProposal", proposal_id=str(proposal_id))]

    def end_block(self, now: datetime) -> list[Event]:
        """``TallyProposalsAtVPEnd`` then ``PruneProposals`` (x/group/module/abci.go)."""
        events: list[Event] = []
        for proposal in list(self.proposals.values()):
            if proposal.voting_period_end < now:
                if proposal.status is Status.SUBMITTED:
                    self._tally_and_update(proposal, now)
                elif proposal.status in (Status.ABORTED, Status.WITHDRAWN):
                    del self.proposals[proposal.id]
                    events.append(self._pruned_event(proposal, with_tally=False))
                    continue
            if proposal.voting_period_end + MAX_EXECUTION_PERIOD < now:
                del self.proposals[proposal.id]
                events.append(self._pruned_event(proposal))
        return events

    # -- tally ----------------------------------------------------------------------------------

    def tally(self, proposal: Proposal) -> dict[Option, int]:
        """Current member weights per option (votes of removed members are skipped)."""
        if proposal.status in (Status.ACCEPTED, Status.REJECTED):
            return dict(proposal.final_tally)
        members = self._group_of(proposal).members
        counts = dict.fromkeys(Option, 0)
        for voter, option in proposal.votes.items():
            counts[option] += members.get(voter, 0)
        return counts

    def _tally_and_update(self, proposal: Proposal, now: datetime) -> None:
        counts = self.tally(proposal)
        total = sum(self._group_of(proposal).members.values())
        threshold = min(self.policies[proposal.policy].threshold, total)
        yes = counts[Option.YES]
        undecided = total - sum(counts.values())
        allow = yes >= threshold
        final = allow or yes + undecided < threshold
        if final or now > proposal.voting_period_end:
            proposal.votes.clear()  # pruneVotes
            proposal.final_tally = counts
            proposal.status = Status.ACCEPTED if allow else Status.REJECTED

    def _group_of(self, proposal: Proposal) -> Group:
        return self.groups[self.policies[proposal.policy].group_id]

    def _pruned_event(self, proposal: Proposal, *, with_tally: bool = True) -> Event:
        tally = (
            {
                "yes_count": str(proposal.final_tally.get(Option.YES, 0)),
                "abstain_count": str(proposal.final_tally.get(Option.ABSTAIN, 0)),
                "no_count": str(proposal.final_tally.get(Option.NO, 0)),
                "no_with_veto_count": str(proposal.final_tally.get(Option.NO_WITH_VETO, 0)),
            }
            if with_tally
            else None
        )
        return typed_event(
            "EventProposalPruned",
            proposal_id=str(proposal.id),
            status=proposal.status.value,
            tally_result=tally,
        )
