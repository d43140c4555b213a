"""x/group as cosmos-sdk v0.53 runs it: groups, threshold policies, proposals, votes, exec.

The chain behaviour, with its sources, is in docs/pocket-group.md; the references below are to
cosmos-sdk ``x/group/keeper/msg_server.go`` (``ms.go``), ``keeper.go``, ``tally.go`` and
``x/group/types.go`` at v0.53.3. ``group_router`` executes the tx messages through these
methods; a proposal's inner messages run through ``run_msgs`` (the state's bank), which must
apply all or nothing. Times are block times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.events import Event
from wpokt_devnet.pokt_sim.group_types import (
    EPOCH,
    ERR_DUPLICATE,
    ERR_EMPTY,
    ERR_EXPIRED,
    ERR_INVALID,
    ERR_MAX_LIMIT,
    ERR_ORM_UNIQUE,
    ERR_UNAUTHORIZED,
    MAX_EXECUTION_PERIOD,
    MAX_METADATA_LEN,
    ORM_CODESPACE,
    Group,
    GroupError,
    NotFoundError,
    Option,
    Policy,
    Proposal,
    Result,
    RunMsgs,
    Status,
    VoteInfo,
    check_policy,
    policy_address,
    tally_json,
    typed_event,
)

__all__ = [  # the names tests and callers take from here; the rest is in group_types
    "ERR_DUPLICATE",
    "ERR_EXPIRED",
    "ERR_INVALID",
    "ERR_UNAUTHORIZED",
    "GroupError",
    "GroupModule",
    "NotFoundError",
    "Option",
    "Result",
    "Status",
    "policy_address",
]


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
        now: datetime = EPOCH,
        metadata: tuple[str, str] = ("", ""),
        member_metadata: dict[str, str] | None = None,
        account_exists: Callable[[str], bool] = lambda _address: False,
    ) -> tuple[int, str, list[Event]]:
        """``CreateGroupWithPolicy``; ``metadata`` is (group, policy); a policy address whose
        account already exists is skipped for the next sequence value, as the SDK does."""
        if not members or any(weight <= 0 for weight in members.values()):
            raise GroupError(ERR_INVALID, "members: every member needs a positive weight")
        check_policy(threshold, voting_period, min_execution_period)
        self.group_seq += 1
        group = Group(self.group_seq, admin, dict(members), metadata=metadata[0], created_at=now)
        extra = member_metadata or {}
        group.member_info = {address: (extra.get(address, ""), now) for address in members}
        self.policy_seq += 1
        while account_exists(policy_address(self.policy_seq)):
            self.policy_seq += 1
        address = policy_address(self.policy_seq)
        policy = Policy(address, group.id, admin, threshold, voting_period, min_execution_period)
        policy.metadata, policy.created_at, policy.sequence = metadata[1], now, self.policy_seq
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

    def group(self, group_id: int) -> Group:
        found = self.groups.get(group_id)
        if found is None:
            raise NotFoundError("load group: not found")
        return found

    def policy(self, address: str) -> Policy:
        found = self.policies.get(address)
        if found is None:
            raise NotFoundError("load group policy: not found")
        return found

    def _admin_group(self, admin: str, group_id: int) -> Group:
        """``doUpdateGroup``: the group, if ``admin`` is its admin (no proposal is aborted)."""
        group = self.group(group_id)
        if admin != group.admin:
            raise GroupError(ERR_UNAUTHORIZED, "not group admin")
        return group

    def update_members(
        self,
        admin: str,
        group_id: int,
        changes: dict[str, int],
        *,
        now: datetime = EPOCH,
        member_metadata: dict[str, str] | None = None,
    ) -> list[Event]:
        """``UpdateGroupMembers``: weight 0 removes a member; open proposals are NOT aborted."""
        group = self._admin_group(admin, group_id)
        for address, weight in changes.items():
            if weight == 0:
                if address not in group.members:
                    raise NotFoundError("unknown member: not found")
                group.members.pop(address)
                group.member_info.pop(address, None)
            else:
                added = group.member_info.get(address, ("", now))[1]
                group.member_info[address] = ((member_metadata or {}).get(address, ""), added)
                group.members[address] = weight
        group.version += 1
        return [typed_event("EventUpdateGroup", group_id=str(group_id))]

    def update_group_admin(self, admin: str, group_id: int, new_admin: str) -> list[Event]:
        if admin.lower() == new_admin.lower():  # strings.EqualFold
            raise GroupError(ERR_INVALID, "new and old admin are the same")
        group = self._admin_group(admin, group_id)
        group.admin, group.version = new_admin, group.version + 1
        return [typed_event("EventUpdateGroup", group_id=str(group_id))]

    def _update_policy(self, admin: str, address: str, change: Callable[[Policy], None]) -> Event:
        """``doUpdateGroupPolicy``: admin check, change, version+1, abort SUBMITTED proposals."""
        policy = self.policy(address)
        if admin != policy.admin:
            raise GroupError(ERR_UNAUTHORIZED, "not group policy admin")
        change(policy)
        policy.version += 1
        for proposal in self.proposals.values():
            if proposal.policy == address and proposal.status is Status.SUBMITTED:
                proposal.status = Status.ABORTED
        return typed_event("EventUpdateGroupPolicy", address=address)

    def update_policy_admin(self, admin: str, address: str, new_admin: str) -> list[Event]:
        if admin.lower() == new_admin.lower():
            raise GroupError(ERR_INVALID, "new and old admin are the same")

        def change(policy: Policy) -> None:
            policy.admin = new_admin

        return [self._update_policy(admin, address, change)]

    def update_decision_policy(
        self,
        admin: str,
        address: str,
        threshold: int,
        voting_period: timedelta,
        min_execution_period: timedelta = timedelta(0),
    ) -> list[Event]:
        """A decision-policy update aborts the policy's SUBMITTED proposals (docs §2)."""
        check_policy(threshold, voting_period, min_execution_period)

        def change(policy: Policy) -> None:
            policy.threshold, policy.voting_period = threshold, voting_period
            policy.min_execution_period = min_execution_period

        return [self._update_policy(admin, address, change)]

    def update_policy_threshold(self, admin: str, address: str, threshold: int) -> list[Event]:
        """A threshold-only policy update (keeps the windows); aborts like any policy update."""
        policy = self.policy(address)
        return self.update_decision_policy(
            admin, address, threshold, policy.voting_period, policy.min_execution_period
        )

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
        metadata: str = "",
        now: datetime,
    ) -> tuple[int, list[Event]]:
        if not proposers:
            raise GroupError(ERR_EMPTY, "proposers")
        if len(set(proposers)) != len(proposers):
            raise GroupError(ERR_DUPLICATE, "proposers")
        if len(title) > MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "proposal Title")
        if len(summary) > 40 * MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "proposal summary")
        if len(metadata) > MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "metadata")
        policy = self.policy(group_policy_address)
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
        proposal.group_version, proposal.group_policy_version = group.version, policy.version
        proposal.metadata = metadata
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
        metadata: str = "",
    ) -> list[Event]:
        if len(metadata) > MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "metadata")
        proposal = self.proposal(proposal_id)
        if proposal.status is not Status.SUBMITTED:
            raise GroupError(ERR_INVALID, "proposal not open for voting")
        if now > proposal.voting_period_end:
            raise GroupError(ERR_EXPIRED, "voting period has ended already")
        if voter not in self._group_of(proposal).members:
            raise GroupError(ERR_UNAUTHORIZED, f"not in group: {voter}")
        if voter in proposal.votes:  # the vote table's primary key is (proposal id, voter)
            raise GroupError(ERR_ORM_UNIQUE, "store vote", codespace=ORM_CODESPACE)
        proposal.votes[voter] = option
        proposal.vote_info[voter] = VoteInfo(option, now, metadata)
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
            if isinstance(exc, TxError) and exc.code == codes.OUT_OF_GAS:
                raise  # out of gas is a panic in the SDK: the whole tx fails
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
            proposal.vote_info.clear()
            proposal.final_tally = counts
            proposal.status = Status.ACCEPTED if allow else Status.REJECTED

    def tally_json(self, proposal: Proposal) -> dict[str, str]:
        return tally_json(self.tally(proposal))

    def _group_of(self, proposal: Proposal) -> Group:
        return self.groups[self.policies[proposal.policy].group_id]

    def _pruned_event(self, proposal: Proposal, *, with_tally: bool = True) -> Event:
        tally = tally_json(proposal.final_tally) if with_tally else None
        return typed_event(
            "EventProposalPruned",
            proposal_id=str(proposal.id),
            status=proposal.status.value,
            tally_result=tally,
        )
