"""x/group tx messages run against ``GroupModule`` (cosmos-sdk v0.53.3 ``x/group/keeper/
msg_server.go``): weights and thresholds parsed, the policy account created in auth, the
``Msg*Response`` of each message. Facts and sources: docs/pocket-group.md.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from cosmpy.protos.cosmos.group.v1 import tx_pb2 as group_tx_pb2
from cosmpy.protos.cosmos.group.v1 import types_pb2 as group_types_pb2
from google.protobuf import any_pb2

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.addresses import AddressError, normalize
from wpokt_devnet.pokt_sim.errors import MODULE_BASE_MESSAGES, TxError
from wpokt_devnet.pokt_sim.events import Event
from wpokt_devnet.pokt_sim.genesis import GenesisGroup
from wpokt_devnet.pokt_sim.group import GroupModule
from wpokt_devnet.pokt_sim.group_tx import (
    GROUP,
    MemberRequest,
    MsgCreateGroupWithPolicy,
    MsgExec,
    MsgSubmitProposal,
    MsgUpdateGroupAdmin,
    MsgUpdateGroupMembers,
    MsgUpdateGroupPolicyAdmin,
    MsgUpdateGroupPolicyDecisionPolicy,
    MsgVote,
    MsgWithdrawProposal,
    ThresholdPolicy,
)
from wpokt_devnet.pokt_sim.group_types import (
    ERR_DUPLICATE,
    ERR_EMPTY,
    ERR_INVALID,
    ERR_MAX_LIMIT,
    MAX_METADATA_LEN,
    GroupError,
    NotFoundError,
    Option,
    policy_derivation_keys,
)
from wpokt_devnet.pokt_sim.keys import ModuleCredential

if TYPE_CHECKING:
    from wpokt_devnet.pokt_sim.accounts import AccountStore
    from wpokt_devnet.pokt_sim.router import MsgContext

Handled = tuple[list[Event], any_pb2.Any]

_OPTIONS = {
    group_types_pb2.VOTE_OPTION_YES: Option.YES,
    group_types_pb2.VOTE_OPTION_ABSTAIN: Option.ABSTAIN,
    group_types_pb2.VOTE_OPTION_NO: Option.NO,
    group_types_pb2.VOTE_OPTION_NO_WITH_VETO: Option.NO_WITH_VETO,
}


def _response(name: str, **fields: Any) -> any_pb2.Any:
    message = getattr(group_tx_pb2, name)(**fields)
    return any_pb2.Any(type_url=GROUP + name, value=message.SerializeToString())


def _whole(text: str, what: str, *, positive: bool) -> int:
    """A decimal string the simulator accepts: a whole number (weights, thresholds)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise GroupError(ERR_INVALID, f"{what}: invalid decimal string {text[:40]!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise GroupError(ERR_INVALID, f"{what}: expected a whole number, got {text[:40]!r}")
    if positive and value == 0:
        raise GroupError(ERR_INVALID, f"{what}: expected a positive value")
    return int(value)


def _address(text: str, what: str) -> str:
    try:
        return normalize(text)
    except AddressError as exc:
        raise TxError(codes.INVALID_ADDRESS, f"{what}: {exc}") from None


def _member_changes(
    members: tuple[MemberRequest, ...], *, create: bool
) -> tuple[dict[str, int], dict[str, str]]:
    weights: dict[str, int] = {}
    metadata: dict[str, str] = {}
    for member in members:
        address = _address(member.address, "member address")
        if address in weights:
            raise GroupError(ERR_DUPLICATE, "duplicate value")
        if len(member.metadata) > MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "member metadata")
        weights[address] = _whole(member.weight, "member weight", positive=create)
        metadata[address] = member.metadata
    return weights, metadata


def _threshold(policy: ThresholdPolicy) -> int:
    return _whole(policy.threshold, "threshold", positive=True)


def _create(ctx: MsgContext, msg: MsgCreateGroupWithPolicy) -> Handled:
    members, member_metadata = _member_changes(msg.members, create=True)
    for text in (msg.group_metadata, msg.group_policy_metadata):
        if len(text) > MAX_METADATA_LEN:
            raise GroupError(ERR_MAX_LIMIT, "group metadata")
    group_id, address, events = ctx.groups.create_group_with_policy(
        msg.admin,
        members,
        threshold=_threshold(msg.policy),
        voting_period=msg.policy.voting_period,
        min_execution_period=msg.policy.min_execution_period,
        policy_as_admin=msg.group_policy_as_admin,
        now=ctx.now,
        metadata=(msg.group_metadata, msg.group_policy_metadata),
        member_metadata=member_metadata,
        account_exists=lambda candidate: ctx.store.get(candidate) is not None,
    )
    # NewBaseAccountWithPubKey(ModuleCredential) + NewAccount: the next account number
    account = ctx.store.create(address)
    sequence = ctx.groups.policies[address].sequence
    account.pub_key = ModuleCredential("group", policy_derivation_keys(sequence))
    response = _response(
        "MsgCreateGroupWithPolicyResponse", group_id=group_id, group_policy_address=address
    )
    return events, response


def _submit(ctx: MsgContext, msg: MsgSubmitProposal) -> Handled:
    proposal_id, events = ctx.groups.submit_proposal(
        msg.group_policy_address,
        list(msg.proposers),
        list(msg.messages),
        lambda inner: list(inner.signers),
        title=msg.title,
        summary=msg.summary,
        metadata=msg.metadata,
        now=ctx.now,
    )
    if msg.exec_try:  # every proposer votes YES, then Exec with proposers[0] (docs §3)
        for proposer in msg.proposers:
            events += ctx.groups.vote(
                proposal_id,
                proposer,
                Option.YES,
                exec_try=False,
                now=ctx.now,
                run_msgs=ctx.run_inner,
            )
        events += ctx.groups.exec(
            proposal_id, msg.proposers[0], now=ctx.now, run_msgs=ctx.run_inner
        )
    return events, _response("MsgSubmitProposalResponse", proposal_id=proposal_id)


def _vote(ctx: MsgContext, msg: MsgVote) -> Handled:
    option = _OPTIONS.get(msg.option)
    if option is None:
        raise GroupError(ERR_EMPTY if msg.option == 0 else ERR_INVALID, "vote option")
    events = ctx.groups.vote(
        msg.proposal_id,
        msg.voter,
        option,
        exec_try=msg.exec_try,
        now=ctx.now,
        run_msgs=ctx.run_inner,
        metadata=msg.metadata,
    )
    return events, _response("MsgVoteResponse")


def exec_result(events: list[Event]) -> str:
    """The ``result`` of the EventExec that ends an exec's events."""
    attributes = dict(events[-1].attributes)
    return attributes["result"].strip('"')


def _exec(ctx: MsgContext, msg: MsgExec) -> Handled:
    events = ctx.groups.exec(msg.proposal_id, msg.executor, now=ctx.now, run_msgs=ctx.run_inner)
    result = group_types_pb2.ProposalExecutorResult.Value(exec_result(events))
    return events, _response("MsgExecResponse", result=result)


def _withdraw(ctx: MsgContext, msg: MsgWithdrawProposal) -> Handled:
    events = ctx.groups.withdraw(msg.proposal_id, msg.address)
    return events, _response("MsgWithdrawProposalResponse")


def _update_members(ctx: MsgContext, msg: MsgUpdateGroupMembers) -> Handled:
    if not msg.member_updates:
        raise GroupError(ERR_EMPTY, "member updates")
    changes, metadata = _member_changes(msg.member_updates, create=False)
    events = ctx.groups.update_members(
        msg.admin, msg.group_id, changes, now=ctx.now, member_metadata=metadata
    )
    return events, _response("MsgUpdateGroupMembersResponse")


def _group_admin(ctx: MsgContext, msg: MsgUpdateGroupAdmin) -> Handled:
    new_admin = _address(msg.new_admin, "new admin address")
    events = ctx.groups.update_group_admin(msg.admin, msg.group_id, new_admin)
    return events, _response("MsgUpdateGroupAdminResponse")


def _policy_admin(ctx: MsgContext, msg: MsgUpdateGroupPolicyAdmin) -> Handled:
    new_admin = _address(msg.new_admin, "new admin address")
    events = ctx.groups.update_policy_admin(msg.admin, msg.group_policy_address, new_admin)
    return events, _response("MsgUpdateGroupPolicyAdminResponse")


def _decision_policy(ctx: MsgContext, msg: MsgUpdateGroupPolicyDecisionPolicy) -> Handled:
    events = ctx.groups.update_decision_policy(
        msg.admin,
        msg.group_policy_address,
        _threshold(msg.policy),
        msg.policy.voting_period,
        msg.policy.min_execution_period,
    )
    return events, _response("MsgUpdateGroupPolicyDecisionPolicyResponse")


_HANDLERS: dict[type, Callable[[MsgContext, Any], Handled]] = {
    MsgCreateGroupWithPolicy: _create,
    MsgSubmitProposal: _submit,
    MsgVote: _vote,
    MsgExec: _exec,
    MsgWithdrawProposal: _withdraw,
    MsgUpdateGroupMembers: _update_members,
    MsgUpdateGroupAdmin: _group_admin,
    MsgUpdateGroupPolicyAdmin: _policy_admin,
    MsgUpdateGroupPolicyDecisionPolicy: _decision_policy,
}


def execute_group_msg(ctx: MsgContext, msg: Any) -> Handled:
    """Run one group message; GroupError, NotFoundError or TxError when it fails."""
    return _HANDLERS[type(msg)](ctx, msg)


def error_message(exc: GroupError | NotFoundError) -> str:
    """The SDK error's text: ``<detail>: <base message>``."""
    if isinstance(exc, NotFoundError):
        return str(exc)
    return f"{exc}: {MODULE_BASE_MESSAGES[(exc.codespace, exc.code)]}"


def group_savepoint(groups: GroupModule) -> Callable[[], None]:
    """Undo for a proposal's group messages; proposals keep their identity (the executing one
    is held by ``GroupModule._execute``)."""
    objects = dict(groups.proposals)
    fields = {pid: copy.deepcopy(vars(p)) for pid, p in objects.items()}
    rest = copy.deepcopy(
        (groups.group_seq, groups.policy_seq, groups.proposal_seq, groups.groups, groups.policies)
    )

    def rollback() -> None:
        groups.group_seq, groups.policy_seq, groups.proposal_seq = rest[:3]
        groups.groups, groups.policies = rest[3], rest[4]
        for pid, proposal in objects.items():
            vars(proposal).clear()
            vars(proposal).update(fields[pid])
        groups.proposals = objects

    return rollback


def create_genesis_group(
    store: AccountStore, groups: GroupModule, group: GenesisGroup, now: datetime
) -> str:
    """A genesis group: its members at weight 1, the policy its own admin; the policy address."""
    _, address, _ = groups.create_group_with_policy(
        group.members[0],
        dict.fromkeys(group.members, 1),
        threshold=group.threshold,
        voting_period=timedelta(seconds=group.voting_period_s),
        now=now,
        account_exists=lambda candidate: store.get(candidate) is not None,
    )
    account = store.create(address)
    sequence = groups.policies[address].sequence
    account.pub_key = ModuleCredential("group", policy_derivation_keys(sequence))
    return address
