"""The x/group messages a group vault needs, as the ``Any`` a ``TxBody`` carries (see
``direct_tx``): create the group with its threshold policy, propose a vault payout, vote with
exec TRY, execute, withdraw, and the admin messages (members, decision policy, a send of the
vault's coins by an operator) that go inside an admin proposal. Field meanings and limits:
docs/pocket-group.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.group.v1 import tx_pb2 as group_tx_pb2
from cosmpy.protos.cosmos.group.v1 import types_pb2 as group_types_pb2
from google.protobuf import any_pb2, duration_pb2

from wpokt_node.errors import ValidationError
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.direct_tx import packed
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL

MAX_METADATA_LEN = 255  # poktroll's group config; a proposal title shares this limit
GROUP = "/cosmos.group.v1."


def _duration(value: timedelta) -> duration_pb2.Duration:
    if value < timedelta(0) or value.microseconds:
        raise ValidationError(f"a group window is whole, non-negative seconds: {value}")
    return duration_pb2.Duration(seconds=int(value.total_seconds()))


def create_group_with_policy(
    admin: str,
    members: Sequence[str],
    *,
    threshold: int,
    voting_period: timedelta,
    min_execution_period: timedelta = timedelta(0),
) -> any_pb2.Any:
    """N members of weight 1 and a ``ThresholdDecisionPolicy``; the policy becomes the admin of
    the group and of itself, so any later change needs ``threshold`` of the members."""
    if len(set(members)) != len(members) or not members:
        raise ValidationError("a group needs distinct members")
    if not 0 < threshold <= len(members):
        raise ValidationError(f"threshold {threshold} of {len(members)} members")
    if voting_period <= timedelta(0):
        raise ValidationError("the voting period must be positive")
    policy = group_types_pb2.ThresholdDecisionPolicy(
        threshold=str(threshold),
        windows=group_types_pb2.DecisionPolicyWindows(
            voting_period=_duration(voting_period),
            min_execution_period=_duration(min_execution_period),
        ),
    )
    message = group_tx_pb2.MsgCreateGroupWithPolicy(
        admin=admin,
        members=[group_types_pb2.MemberRequest(address=m, weight="1") for m in members],
        group_policy_as_admin=True,
        decision_policy=packed(GROUP + "ThresholdDecisionPolicy", policy),
    )
    return packed(GROUP + "MsgCreateGroupWithPolicy", message)


def payout_proposal(
    vault: str, proposer: str, recipient: str, amount: Coin, *, title: str, summary: str = ""
) -> any_pb2.Any:
    """One ``MsgSend`` from the vault, proposed by one member; ``title`` names the source event
    (``burn:<tx>:<log>``, ``refund:<TX>``)."""
    if len(title) > MAX_METADATA_LEN or len(summary) > 40 * MAX_METADATA_LEN:
        raise ValidationError("proposal title or summary too long for the chain")
    if amount.amount <= 0:
        raise ValidationError("a payout sends a positive amount")
    send = bank_tx_pb2.MsgSend(
        from_address=vault,
        to_address=recipient,
        amount=[coin_pb2.Coin(denom=amount.denom, amount=str(amount.amount))],
    )
    message = group_tx_pb2.MsgSubmitProposal(
        group_policy_address=vault,
        proposers=[proposer],
        messages=[packed(MSG_SEND_TYPE_URL, send)],
        title=title,
        summary=summary,
    )
    return packed(GROUP + "MsgSubmitProposal", message)


def vote_yes(proposal_id: int, voter: str) -> any_pb2.Any:
    """YES with exec TRY: the vote that reaches the threshold also executes the proposal."""
    message = group_tx_pb2.MsgVote(
        proposal_id=proposal_id,
        voter=voter,
        option=group_types_pb2.VOTE_OPTION_YES,
        exec=group_tx_pb2.EXEC_TRY,
    )
    return packed(GROUP + "MsgVote", message)


def execute(proposal_id: int, executor: str) -> any_pb2.Any:
    return packed(
        GROUP + "MsgExec", group_tx_pb2.MsgExec(proposal_id=proposal_id, executor=executor)
    )


def _threshold_policy(threshold: int, voting_period: timedelta) -> any_pb2.Any:
    policy = group_types_pb2.ThresholdDecisionPolicy(
        threshold=str(threshold),
        windows=group_types_pb2.DecisionPolicyWindows(
            voting_period=_duration(voting_period), min_execution_period=_duration(timedelta(0))
        ),
    )
    return packed(GROUP + "ThresholdDecisionPolicy", policy)


def update_members(vault: str, group_id: int, weights: dict[str, int]) -> any_pb2.Any:
    """Add (weight 1) or remove (weight 0) members; ``admin`` is the vault, so this goes inside
    an admin proposal. Alone it aborts nothing: pair it with ``update_decision_policy``."""
    if any(weight not in (0, 1) for weight in weights.values()):
        raise ValidationError("vault members have weight 1 (or 0 to remove them)")
    message = group_tx_pb2.MsgUpdateGroupMembers(
        admin=vault,
        group_id=group_id,
        member_updates=[
            group_types_pb2.MemberRequest(address=a, weight=str(w)) for a, w in weights.items()
        ],
    )
    return packed(GROUP + "MsgUpdateGroupMembers", message)


def update_decision_policy(vault: str, threshold: int, voting_period: timedelta) -> any_pb2.Any:
    """Re-set the threshold policy (inside an admin proposal); x/group then aborts every other
    open proposal of the vault, so nothing voted under the old membership can still run."""
    message = group_tx_pb2.MsgUpdateGroupPolicyDecisionPolicy(
        admin=vault,
        group_policy_address=vault,
        decision_policy=_threshold_policy(threshold, voting_period),
    )
    return packed(GROUP + "MsgUpdateGroupPolicyDecisionPolicy", message)


def vault_send(vault: str, recipient: str, coins: Sequence[Coin]) -> any_pb2.Any:
    """A ``MsgSend`` of the vault's coins (any denoms), to go inside an admin proposal: how an
    operator pays back a deposit the nodes never pay (docs/runbooks/unrefundable-deposit.md)."""
    positive = sorted((c for c in coins if c.amount > 0), key=lambda c: c.denom)
    if not positive or len({c.denom for c in positive}) != len(positive):
        raise ValidationError("a vault send needs positive coins of distinct denoms")
    send = bank_tx_pb2.MsgSend(
        from_address=vault,
        to_address=recipient,
        amount=[coin_pb2.Coin(denom=c.denom, amount=str(c.amount)) for c in positive],
    )
    return packed(MSG_SEND_TYPE_URL, send)


def admin_proposal(
    vault: str, proposer: str, messages: Sequence[any_pb2.Any], *, title: str
) -> any_pb2.Any:
    """A proposal of vault admin messages (members, decision policy, an operator's
    ``vault_send``), voted by T members (operators: the nodes vote only on their payouts)."""
    if len(title) > MAX_METADATA_LEN:
        raise ValidationError("proposal title too long for the chain")
    message = group_tx_pb2.MsgSubmitProposal(
        group_policy_address=vault, proposers=[proposer], messages=list(messages), title=title
    )
    return packed(GROUP + "MsgSubmitProposal", message)


def withdraw(proposal_id: int, proposer: str) -> any_pb2.Any:
    """Withdraw an open proposal this member submitted (x/group: a proposer or the admin)."""
    message = group_tx_pb2.MsgWithdrawProposal(proposal_id=proposal_id, address=proposer)
    return packed(GROUP + "MsgWithdrawProposal", message)
