"""The Pocket simulator's x/group against the SDK's semantics (docs/pocket-group.md): a vault
of 12 members with a threshold of 9, as the bridge runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wpokt_devnet.pokt_sim.addresses import bech32_decode
from wpokt_devnet.pokt_sim.events import Event, event
from wpokt_devnet.pokt_sim.group import (
    ERR_EXPIRED,
    ERR_INVALID,
    ERR_UNAUTHORIZED,
    GroupError,
    GroupModule,
    NotFoundError,
    Option,
    Result,
    Status,
    policy_address,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
MEMBERS = [f"member-{i:02d}" for i in range(12)]


class Bank:
    """Inner messages are ``(from, to, amount)``; a negative amount fails, like a send the
    bank refuses."""

    def __init__(self) -> None:
        self.paid: list[tuple[str, str, int]] = []

    def run(self, messages: Any) -> list[Event]:
        if any(amount < 0 for _, _, amount in messages):
            raise ValueError("insufficient funds")
        self.paid += list(messages)
        return [event("transfer", ("recipient", to), ("amount", str(a))) for _, to, a in messages]


def signers(message: Any) -> list[str]:
    return [message[0]]


def vault(module: GroupModule) -> str:
    _, address, _ = module.create_group_with_policy(
        "creator", dict.fromkeys(MEMBERS, 1), threshold=9, voting_period=DAY
    )
    return address


def attributes(found: Event) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in found.attributes}


def test_policy_addresses_are_the_sdks() -> None:
    # x/group/migrations/v2/migrate_test.go: the policy accounts of sequences 1 and 2
    for sequence, sdk in (
        (1, "cosmos1afk9zr2hn2jsac63h4hm60vl9z3e5u69gndzf7c99cqge3vzwjzsfwkgpd"),
        (2, "cosmos1dlszg2sst9r69my4f84l3mj66zxcf3umcgujys30t84srg95dgvsmn3jeu"),
    ):
        assert bech32_decode(policy_address(sequence))[1] == bech32_decode(sdk)[1]


def test_the_policy_becomes_its_own_admin() -> None:
    module = GroupModule()
    group_id, address, events = module.create_group_with_policy(
        "creator", dict.fromkeys(MEMBERS, 1), threshold=9, voting_period=DAY
    )
    assert (module.groups[group_id].admin, module.policies[address].admin) == (address, address)
    assert (module.groups[group_id].version, module.policies[address].version) == (2, 2)
    assert [e.type.rsplit(".", 1)[1] for e in events] == [
        "EventCreateGroup",
        "EventCreateGroupPolicy",
        "EventUpdateGroup",
        "EventUpdateGroupPolicy",
    ]
    assert events[0].attributes == (("group_id", '"1"'),)


def test_the_ninth_yes_vote_with_exec_try_pays_and_prunes() -> None:
    # Given a proposal paying 5 from the vault
    module, bank = GroupModule(), Bank()
    address = vault(module)
    pid, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "user", 5)], signers, now=T0)

    # When 8 members vote YES with exec TRY: nothing is paid, each exec says NOT_RUN
    for voter in MEMBERS[:8]:
        events = module.vote(pid, voter, Option.YES, exec_try=True, now=T0, run_msgs=bank.run)
        assert attributes(events[-1])["result"] == Result.NOT_RUN.value
    assert bank.paid == []
    assert module.proposal(pid).status is Status.SUBMITTED

    # When the 9th votes: paid in the same tx, the proposal pruned before EventExec(SUCCESS)
    events = module.vote(pid, MEMBERS[8], Option.YES, exec_try=True, now=T0, run_msgs=bank.run)
    assert bank.paid == [(address, "user", 5)]
    assert [e.type for e in events] == [
        "cosmos.group.v1.EventVote",
        "transfer",
        "cosmos.group.v1.EventProposalPruned",
        "cosmos.group.v1.EventExec",
    ]
    assert attributes(events[2])["tally_result"]["yes_count"] == "9"
    assert attributes(events[3]) == {"logs": "", "proposal_id": str(pid), "result": Result.SUCCESS}

    # Then it is gone from state: later votes and execs fail with not found
    with pytest.raises(NotFoundError):
        module.vote(pid, MEMBERS[9], Option.YES, exec_try=True, now=T0, run_msgs=bank.run)
    with pytest.raises(NotFoundError):
        module.exec(pid, "anyone", now=T0, run_msgs=bank.run)


def test_votes_are_once_per_member_and_only_members_vote() -> None:
    module, bank = GroupModule(), Bank()
    address = vault(module)
    pid, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "user", 5)], signers, now=T0)
    module.vote(pid, MEMBERS[1], Option.YES, exec_try=False, now=T0, run_msgs=bank.run)
    with pytest.raises(GroupError) as twice:
        module.vote(pid, MEMBERS[1], Option.NO, exec_try=False, now=T0, run_msgs=bank.run)
    # the vote table's unique key (proposal, voter): legacy_orm code 13 (docs §4)
    assert (twice.value.codespace, twice.value.code) == ("legacy_orm", 13)
    assert str(twice.value) == "store vote"
    with pytest.raises(GroupError) as outsider:
        module.vote(pid, "outsider", Option.YES, exec_try=False, now=T0, run_msgs=bank.run)
    assert outsider.value.code == ERR_UNAUTHORIZED
    with pytest.raises(GroupError) as late:
        module.vote(
            pid, MEMBERS[2], Option.YES, exec_try=False, now=T0 + 2 * DAY, run_msgs=bank.run
        )
    assert late.value.code == ERR_EXPIRED


def test_proposals_pay_only_from_the_policy_and_come_from_members() -> None:
    module = GroupModule()
    address = vault(module)
    with pytest.raises(GroupError, match="authorization"):
        module.submit_proposal(address, [MEMBERS[0]], [("member-00", "x", 1)], signers, now=T0)
    with pytest.raises(GroupError, match="not in group"):
        module.submit_proposal(address, ["outsider"], [(address, "x", 1)], signers, now=T0)


def test_four_no_votes_reject_at_once() -> None:
    module, bank = GroupModule(), Bank()
    address = vault(module)
    pid, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "user", 5)], signers, now=T0)
    for voter in MEMBERS[:4]:
        module.vote(pid, voter, Option.NO, exec_try=True, now=T0, run_msgs=bank.run)
    assert module.proposal(pid).status is Status.REJECTED
    with pytest.raises(GroupError) as closed:
        module.vote(pid, MEMBERS[4], Option.YES, exec_try=True, now=T0, run_msgs=bank.run)
    assert closed.value.code == ERR_INVALID
    assert bank.paid == []


def test_a_failed_execution_stays_accepted_and_can_be_retried_until_the_window_ends() -> None:
    # Given an accepted proposal whose payment the bank refuses
    module, bank = GroupModule(), Bank()
    address = vault(module)
    pid, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "user", -1)], signers, now=T0)
    for voter in MEMBERS[:9]:
        events = module.vote(pid, voter, Option.YES, exec_try=True, now=T0, run_msgs=bank.run)
    assert attributes(events[-1])["result"] == Result.FAILURE.value
    assert "insufficient funds" in attributes(events[-1])["logs"]
    assert (module.proposal(pid).status, module.proposal(pid).result) == (
        Status.ACCEPTED,
        Result.FAILURE,
    )

    # When the message can succeed again, anyone's MsgExec pays it, inside the window
    module.proposal(pid).messages = [(address, "user", 5)]
    module.exec(pid, "anyone", now=T0 + 3 * DAY, run_msgs=bank.run)
    assert bank.paid == [(address, "user", 5)]

    # And past voting end + 14 days an accepted proposal can no longer execute
    other, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "u", -1)], signers, now=T0)
    for voter in MEMBERS[:9]:
        module.vote(other, voter, Option.YES, exec_try=True, now=T0, run_msgs=bank.run)
    module.proposal(other).messages = [(address, "u", 1)]
    events = module.exec(other, "anyone", now=T0 + DAY + timedelta(days=15), run_msgs=bank.run)
    assert attributes(events[-1])["result"] == Result.FAILURE.value


def test_a_member_change_keeps_open_proposals_a_policy_change_aborts_them() -> None:
    module, bank = GroupModule(), Bank()
    address = vault(module)
    group_id = module.policies[address].group_id
    pid, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "user", 5)], signers, now=T0)
    module.vote(pid, MEMBERS[11], Option.YES, exec_try=False, now=T0, run_msgs=bank.run)

    # A member removed: the proposal stays open, and the removed member's vote no longer counts
    module.update_members(address, group_id, {MEMBERS[11]: 0})
    assert module.proposal(pid).status is Status.SUBMITTED
    assert module.tally(module.proposal(pid))[Option.YES] == 0

    # A policy change: SUBMITTED proposals are aborted
    module.update_policy_threshold(address, address, 8)
    assert module.proposal(pid).status is Status.ABORTED
    with pytest.raises(GroupError, match="not possible to exec"):
        module.exec(pid, "anyone", now=T0, run_msgs=bank.run)


def test_end_block_tallies_at_voting_end_and_prunes() -> None:
    module, bank = GroupModule(), Bank()
    address = vault(module)
    short, _ = module.submit_proposal(address, [MEMBERS[0]], [(address, "u", 1)], signers, now=T0)
    withdrawn, _ = module.submit_proposal(
        address, [MEMBERS[1]], [(address, "u", 1)], signers, now=T0
    )
    module.vote(short, MEMBERS[0], Option.YES, exec_try=False, now=T0, run_msgs=bank.run)
    module.withdraw(withdrawn, MEMBERS[1])

    # Past voting end: the open one is tallied (rejected: 1 of 9), the withdrawn one pruned
    events = module.end_block(T0 + DAY + timedelta(seconds=1))
    assert module.proposal(short).status is Status.REJECTED
    assert [attributes(e)["proposal_id"] for e in events] == [str(withdrawn)]
    assert attributes(events[0])["tally_result"] is None

    # Past voting end + 14 days: everything is pruned
    events = module.end_block(T0 + DAY + timedelta(days=14, seconds=2))
    assert [attributes(e)["status"] for e in events] == [Status.REJECTED.value]
    with pytest.raises(NotFoundError):
        module.proposal(short)
