"""The x/group messages of a group vault decode back to what was meant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.group.v1 import tx_pb2 as group_tx_pb2
from cosmpy.protos.cosmos.group.v1 import types_pb2 as group_types_pb2

from wpokt_node.errors import ValidationError
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.group_msgs import (
    admin_proposal,
    create_group_with_policy,
    execute,
    payout_proposal,
    vault_send,
    vote_yes,
)

MEMBERS = [f"pokt1member{i:02d}" for i in range(12)]


def test_the_vault_group_is_nine_of_twelve_and_its_own_admin() -> None:
    packed = create_group_with_policy(
        "pokt1creator", MEMBERS, threshold=9, voting_period=timedelta(days=1)
    )
    assert packed.type_url == "/cosmos.group.v1.MsgCreateGroupWithPolicy"
    message = group_tx_pb2.MsgCreateGroupWithPolicy.FromString(packed.value)
    assert [(m.address, m.weight) for m in message.members] == [(m, "1") for m in MEMBERS]
    assert message.group_policy_as_admin
    assert message.decision_policy.type_url == "/cosmos.group.v1.ThresholdDecisionPolicy"
    policy = group_types_pb2.ThresholdDecisionPolicy.FromString(message.decision_policy.value)
    assert policy.threshold == "9"
    assert (policy.windows.voting_period.seconds, policy.windows.min_execution_period.seconds) == (
        86_400,
        0,
    )


def test_a_payout_proposal_carries_one_send_from_the_vault() -> None:
    packed = payout_proposal(
        "pokt1vault", MEMBERS[3], "pokt1user", Coin("upokt", 2_500_000), title="burn:0xab:3"
    )
    message = group_tx_pb2.MsgSubmitProposal.FromString(packed.value)
    assert (message.group_policy_address, list(message.proposers)) == ("pokt1vault", [MEMBERS[3]])
    assert message.title == "burn:0xab:3"
    assert message.exec == group_tx_pb2.EXEC_UNSPECIFIED
    (inner,) = message.messages
    send = bank_tx_pb2.MsgSend.FromString(inner.value)
    assert (inner.type_url, send.from_address, send.to_address) == (
        "/cosmos.bank.v1beta1.MsgSend",
        "pokt1vault",
        "pokt1user",
    )
    assert [(c.denom, c.amount) for c in send.amount] == [("upokt", "2500000")]


def test_a_vote_is_yes_with_exec_try_and_exec_names_the_proposal() -> None:
    vote = group_tx_pb2.MsgVote.FromString(vote_yes(42, MEMBERS[0]).value)
    assert (vote.proposal_id, vote.voter, vote.option, vote.exec) == (
        42,
        MEMBERS[0],
        group_types_pb2.VOTE_OPTION_YES,
        group_tx_pb2.EXEC_TRY,
    )
    run = group_tx_pb2.MsgExec.FromString(execute(42, MEMBERS[1]).value)
    assert (run.proposal_id, run.executor) == (42, MEMBERS[1])


def test_an_operator_pays_every_coin_back_in_one_admin_proposal() -> None:
    # Given a deposit's parts: upokt and another coin, listed in any order
    coins = [Coin("upokt", 5_000_000), Coin("uother", 7)]

    # When an operator's admin proposal sends them back from the vault
    packed = admin_proposal(
        "pokt1vault", MEMBERS[0], [vault_send("pokt1vault", "pokt1user", coins)], title="t"
    )

    # Then it is one MsgSend of the vault with the coins sorted by denom, as the SDK requires
    message = group_tx_pb2.MsgSubmitProposal.FromString(packed.value)
    (inner,) = message.messages
    send = bank_tx_pb2.MsgSend.FromString(inner.value)
    assert (send.from_address, send.to_address) == ("pokt1vault", "pokt1user")
    assert [(c.denom, c.amount) for c in send.amount] == [("uother", "7"), ("upokt", "5000000")]


@pytest.mark.parametrize(
    "build",
    [
        lambda: create_group_with_policy("a", MEMBERS, threshold=13, voting_period=timedelta(1)),
        lambda: create_group_with_policy("a", MEMBERS, threshold=9, voting_period=timedelta(0)),
        lambda: create_group_with_policy(
            "a", [*MEMBERS, MEMBERS[0]], threshold=9, voting_period=timedelta(1)
        ),
        lambda: payout_proposal("v", "p", "r", Coin("upokt", 1), title="x" * 256),
        lambda: payout_proposal("v", "p", "r", Coin("upokt", 0), title="t"),
        lambda: vault_send("v", "r", [Coin("upokt", 0)]),
        lambda: vault_send("v", "r", [Coin("upokt", 1), Coin("upokt", 2)]),
    ],
)
def test_what_the_chain_would_refuse_is_refused_here(build: object) -> None:
    with pytest.raises(ValidationError):
        build()  # type: ignore[operator]
