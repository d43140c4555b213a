"""Burn payouts and refunds through a 9-of-12 x/group vault at mainnet's tx_sig_limit of 7:
twelve nodes on anvil, the MongoDB wire server and the Pocket simulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from pymongo.database import Database

from tests.fixtures.anvil import EthEnv
from tests.integration.burn.group_cluster import (
    FEE,
    MEMBER_ADDRESSES,
    MEMBERS,
    MIN_PAYOUT,
    NODES,
    THRESHOLD,
    GroupCluster,
    group_cluster,
    group_genesis,
    recipient,
)
from tests.integration.devnet.group_chain import Clock
from wpokt_devnet.pokt_sim.ante import FEE_COLLECTOR
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_sim.genesis import genesis_from_dict
from wpokt_node.config import PocketCustody
from wpokt_node.custody.base import OutcomeKind
from wpokt_node.custody.pokt_group import PoktGroupCustody, member_account
from wpokt_node.custody.release_base import ReleaseNode
from wpokt_node.custody.release_config import ReleaseConfig, ReleaseKind
from wpokt_node.db.entries import insert_once
from wpokt_node.db.models import Entry, RetiredOrder
from wpokt_node.db.schema import BURNS, REFUNDS
from wpokt_node.db.schema import NODES as NODE_STATE
from wpokt_node.errors import StartupCheckError
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.mint.entries import entry_document
from wpokt_node.node.status import unresolved_refunds
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import deposit_rules
from wpokt_node.pokt.deposits import DepositKind, classify_deposit
from wpokt_node.pokt.direct_tx import packed
from wpokt_node.pokt.group_msgs import (
    admin_proposal,
    payout_proposal,
    update_decision_policy,
    update_members,
    vault_send,
    vote_yes,
)
from wpokt_node.pokt.group_reads import ProposalStatus
from wpokt_node.pokt.group_vault import vault_view
from wpokt_node.pokt.startup import run_pocket_startup_checks

pytestmark = pytest.mark.node

Document = dict[str, Any]
EVERYONE = list(range(NODES))


@dataclass(frozen=True)
class GroupChain:
    sim: PoktSimulator
    clock: Clock  # block times: a test moves it to end a voting period
    funder: LocalKeySigner


@pytest.fixture
def group_chain(pokt_users: list[LocalKeySigner]) -> Iterator[GroupChain]:
    """The Pocket simulator at mainnet's tx_sig_limit, users and member accounts funded."""
    clock = Clock()
    sim = PoktSimulator(genesis_from_dict(group_genesis(pokt_users)), clock=clock).start()
    yield GroupChain(sim, clock, pokt_users[0])
    sim.stop()


@pytest.fixture
def cluster(
    mongo_db: Database[Document],
    mongo_uri: str,
    eth_env: EthEnv,
    group_chain: GroupChain,
    tmp_path: Path,
) -> Iterator[GroupCluster]:
    yield from group_cluster(
        mongo_db, mongo_uri, eth_env, group_chain.sim.url, funder=group_chain.funder, tmp=tmp_path
    )


def _entry(cluster: GroupCluster, collection: str, entry_id: Any) -> Document:
    found = cluster.db[collection].find_one({"_id": entry_id})
    assert found is not None
    return found


def _invariants(cluster: GroupCluster, paid: dict[str, int]) -> None:
    """The vault lost exactly what was paid, each recipient was paid exactly once."""
    deposits = sum(int(d["amount"]) for d in cluster.db[REFUNDS].find())
    assert cluster.balance(cluster.vault) == cluster.initial_vault + deposits - sum(paid.values())
    for address, amount in paid.items():
        assert cluster.payouts_to(address) == [amount]


def test_refund_round_trip_pays_the_whole_amount_members_pay_the_fees(
    cluster: GroupCluster,
) -> None:
    # Given a 3 POKT deposit with a bad memo, recorded as a refund
    member_before = [cluster.balance(m) for m in MEMBER_ADDRESSES]
    entry_id = cluster.refund(3_000_000)
    sender = cluster.wallet.address
    sender_before = cluster.balance(sender)

    # When every node runs two passes
    cluster.run(2)

    # Then it is executed through one proposal with T votes, the sender got all 3 POKT back,
    # and the vault paid no fee: the members did
    entry = _entry(cluster, REFUNDS, entry_id)
    assert entry["status"] == "executed"
    assert entry["order"]["title"] == f"refund:{entry['transaction_hash']}"
    assert entry["proposal_id"] == entry["order"]["proposal_id"]
    assert cluster.balance(sender) == sender_before + 3_000_000
    assert cluster.reader.proposal(entry["proposal_id"]) is None  # pruned by its execution
    member_after = [cluster.balance(m) for m in MEMBER_ADDRESSES]
    paid_fees = sum(member_before) - sum(member_after)
    assert paid_fees % FEE == 0
    assert THRESHOLD + 1 <= paid_fees // FEE <= NODES + 1  # one proposal, T..N votes
    _invariants(cluster, {sender: 3_000_000})


def test_burn_is_paid_exactly_once(cluster: GroupCluster) -> None:
    to = recipient("group burn")
    tx_hash = cluster.burn(5_000_000, to)
    assert cluster.watcher().run_once()["inserted"] == 1
    cluster.run(2)
    entry = cluster.db[BURNS].find_one({"transaction_hash": tx_hash})
    assert entry is not None
    assert entry["status"] == "executed"
    assert cluster.payouts_to(to) == [5_000_000]
    cluster.run(2)
    assert cluster.payouts_to(to) == [5_000_000]


def test_three_nodes_down_while_voting_still_pays(cluster: GroupCluster) -> None:
    entry_id = cluster.refund(2_000_000)
    cluster.run(1, nodes=EVERYONE[:6])  # proposal made, six votes
    cluster.run(3, nodes=EVERYONE[:9])  # nodes 9, 10, 11 are down
    assert _entry(cluster, REFUNDS, entry_id)["status"] == "executed"
    _invariants(cluster, {cluster.wallet.address: 2_000_000})


def test_four_nodes_down_nothing_executes_until_one_returns(cluster: GroupCluster) -> None:
    entry_id = cluster.refund(2_000_000)
    cluster.run(4, nodes=EVERYONE[:8])
    entry = _entry(cluster, REFUNDS, entry_id)
    assert entry["status"] == "started"
    assert cluster.reader.yes_votes(entry["proposal_id"]) == 8
    assert cluster.payouts_to(cluster.wallet.address) == []

    cluster.run(1, nodes=[8])  # one node comes back: its vote is the ninth and executes it
    cluster.run(1)
    assert _entry(cluster, REFUNDS, entry_id)["status"] == "executed"
    _invariants(cluster, {cluster.wallet.address: 2_000_000})


def test_two_proposals_for_one_refund_only_one_executes(cluster: GroupCluster) -> None:
    # Given two members proposing the same refund at once, before any node prepares it
    entry_id = cluster.refund(4_000_000)
    entry = _entry(cluster, REFUNDS, entry_id)
    title = f"refund:{entry['transaction_hash']}"
    to = cluster.wallet.address
    for index in (3, 7):
        message = payout_proposal(
            cluster.vault, MEMBER_ADDRESSES[index], to, Coin("upokt", 4_000_000), title=title
        )
        assert cluster.send_as_member(index, [message])["code"] == 0
    first, second = [p.id for p in cluster.reader.proposals(cluster.vault)]

    # When the cluster runs
    cluster.run(2)

    # Then every node voted for the lower id, it executed, the other never got a vote
    entry = _entry(cluster, REFUNDS, entry_id)
    assert (entry["status"], entry["proposal_id"]) == ("executed", first)
    assert cluster.reader.yes_votes(second) == 0
    _invariants(cluster, {to: 4_000_000})


def test_a_member_proposal_paying_itself_gets_no_honest_vote(cluster: GroupCluster) -> None:
    # Given a compromised member key proposing the refund's title but paying itself
    entry_id = cluster.refund(5_000_000)
    entry = _entry(cluster, REFUNDS, entry_id)
    thief = MEMBER_ADDRESSES[5]
    forged = payout_proposal(
        cluster.vault,
        thief,
        thief,
        Coin("upokt", 5_000_000),
        title=f"refund:{entry['transaction_hash']}",
    )
    assert cluster.send_as_member(5, [forged])["code"] == 0
    forged_id = cluster.reader.proposals(cluster.vault)[0].id
    thief_before = cluster.balance(thief)

    # When the database is edited to point the entry at it once node 0 has voted
    cluster.run(2, nodes=[0])
    started = _entry(cluster, REFUNDS, entry_id)
    assert started["order"]["proposal_id"] != forged_id  # the honest proposal was made
    cluster.db[REFUNDS].update_one(
        {"_id": entry_id},
        {"$set": {"order.proposal_id": forged_id, "proposal_id": forged_id}},
    )
    cluster.run(2)

    # Then no node votes for the forged proposal, every node says why (node 0 too: its vote is
    # not on that proposal), nothing is paid
    assert cluster.reader.yes_votes(forged_id) == 0
    refused = _entry(cluster, REFUNDS, entry_id)
    assert refused["status"] == "started"
    assert refused["signers"] == ["node-00"]
    assert len(refused["refusals"]) == NODES
    assert all("expected MsgSend" in r["reason"] for r in refused["refusals"].values())
    assert cluster.balance(thief) <= thief_before
    assert cluster.payouts_to(thief) == []


def _policy_update(cluster: GroupCluster) -> Any:
    """The runbook's membership change: members re-stated and the decision policy re-set in
    one admin proposal; the policy update aborts every open payout proposal (x/group)."""
    policy = cluster.reader.policy(cluster.vault)
    assert policy is not None
    return admin_proposal(
        cluster.vault,
        MEMBER_ADDRESSES[0],
        [
            update_members(cluster.vault, policy.group_id, {MEMBER_ADDRESSES[0]: 1}),
            update_decision_policy(
                cluster.vault, THRESHOLD, timedelta(seconds=cluster.voting_period_s)
            ),
        ],
        title="members: re-state",
    )


def test_a_membership_change_aborts_open_proposals_which_are_paid_once(
    cluster: GroupCluster,
) -> None:
    # Given a refund whose proposal has five votes
    entry_id = cluster.refund(6_000_000)
    cluster.run(1, nodes=EVERYONE[:5])
    first = _entry(cluster, REFUNDS, entry_id)["proposal_id"]

    # When the operators change the members (an admin proposal with T votes)
    admin = _policy_update(cluster)
    assert cluster.send_as_member(0, [admin])["code"] == 0
    admin_id = max(p.id for p in cluster.reader.proposals(cluster.vault))
    for index in range(THRESHOLD):
        assert cluster.send_as_member(index, [vote_yes(admin_id, MEMBER_ADDRESSES[index])])
    assert cluster.reader.proposal(first).status is ProposalStatus.ABORTED  # type: ignore[union-attr]
    cluster.run(3)

    # Then the refund is proposed again and paid exactly once
    entry = _entry(cluster, REFUNDS, entry_id)
    assert entry["status"] == "executed"
    assert entry["proposal_id"] != first
    assert [r["order"]["proposal_id"] for r in entry["retired_orders"]] == [first]
    _invariants(cluster, {cluster.wallet.address: 6_000_000})


def test_an_expired_proposal_is_proposed_again_and_paid_once(
    cluster: GroupCluster, group_chain: GroupChain
) -> None:
    # Given a refund whose proposal got five votes before its voting period ended
    entry_id = cluster.refund(7_000_000)
    cluster.run(2, nodes=EVERYONE[:5])
    first = _entry(cluster, REFUNDS, entry_id)["proposal_id"]
    assert cluster.reader.yes_votes(first) == 5
    group_chain.clock.now += timedelta(seconds=cluster.voting_period_s + 1)
    group_chain.sim.state.produce_block()  # the EndBlocker tallies it: rejected
    assert cluster.reader.proposal(first).status is ProposalStatus.REJECTED  # type: ignore[union-attr]

    # When all nodes run
    cluster.run(3)

    # Then a new proposal pays it, exactly once
    entry = _entry(cluster, REFUNDS, entry_id)
    assert entry["status"] == "executed"
    assert entry["proposal_id"] != first
    _invariants(cluster, {cluster.wallet.address: 7_000_000})


def test_a_member_without_funds_the_others_reach_the_threshold(cluster: GroupCluster) -> None:
    # Given node 4's member account emptied
    broke = cluster.member(4)
    balance = cluster.balance(broke.address)
    drain = bank_tx_pb2.MsgSend(
        from_address=broke.address,
        to_address=cluster.wallet.address,
        amount=[coin_pb2.Coin(denom="upokt", amount=str(balance - FEE))],
    )
    assert cluster.send_as_member(4, [packed("/cosmos.bank.v1beta1.MsgSend", drain)])
    assert cluster.balance(broke.address) == 0

    # When a refund is paid
    entry_id = cluster.refund(2_500_000)
    cluster.run(2)

    # Then it is executed by the others, node 4 never signed, and `vault show` says why
    entry = _entry(cluster, REFUNDS, entry_id)
    assert entry["status"] == "executed"
    assert "node-04" not in entry["signers"]
    view = vault_view(cluster.pokt, cluster.nodes[0].settings, MEMBERS[0].public_key)
    assert [p for p in view.problems if broke.address in p] == [
        f"member account {broke.address} holds 0upokt, less than one fee ({FEE}upokt): "
        "that node cannot vote until it is funded"
    ]
    _invariants(cluster, {cluster.wallet.address: 2_500_000})


def test_a_refund_below_the_minimum_is_not_paid_and_says_why(cluster: GroupCluster) -> None:
    entry_id = cluster.refund(MIN_PAYOUT - 1)
    cluster.run(1)
    entry = _entry(cluster, REFUNDS, entry_id)
    assert (entry["status"], entry["error"]) == ("failed", "below_minimum_payout")
    assert cluster.reader.proposals(cluster.vault) == []


def test_startup_checks_pass_on_the_vault_and_name_every_difference(cluster: GroupCluster) -> None:
    settings = cluster.nodes[0].settings
    own_key = MEMBERS[0].public_key
    assert run_pocket_startup_checks(cluster.pokt, settings, own_key) == PocketCustody.GROUP

    # Given a config that differs from the chain's vault in threshold, window and one member
    stranger = LocalKeySigner(bytes([9]) * 32).public_key.hex()
    keys = [m.public_key.hex() for m in MEMBERS[:-1]] + [stranger]
    wrong = cluster.settings(
        0,
        cluster={"nodes": NODES, "threshold": THRESHOLD - 1},
        pocket={
            **settings.pocket.model_dump(mode="json"),
            "member_public_keys": keys,
            "group": {"voting_period_s": 60},
        },
    )

    # Then the node refuses to start, one line per problem
    with pytest.raises(StartupCheckError) as refused:
        run_pocket_startup_checks(cluster.pokt, wrong, own_key)
    lines = str(refused.value).splitlines()[1:]
    assert len(lines) == 4, lines
    assert "threshold is 9 but cluster.threshold is 8" in lines[0]
    assert "voting period is 0:10:00" in lines[1]
    assert "missing from the group" in lines[2]
    assert MEMBER_ADDRESSES[-1] in lines[3]
    assert "not in pocket.member_public_keys" in lines[3]

    # And a vault address that is no group policy is named as such
    other = cluster.settings(0, pocket={**settings.pocket.model_dump(mode="json"),
                                         "vault_address": MEMBER_ADDRESSES[1]})  # fmt: skip
    with pytest.raises(StartupCheckError, match="is not a group policy on chain"):
        run_pocket_startup_checks(cluster.pokt, other, own_key)


def test_a_burn_to_a_module_account_fails_visibly_before_any_proposal(
    cluster: GroupCluster,
) -> None:
    # The bank never credits a module account: a proposal could only fail, at the members' cost
    tx_hash = cluster.burn(3_000_000, FEE_COLLECTOR)
    cluster.watcher().run_once()
    cluster.run(2)
    entry = cluster.db[BURNS].find_one({"transaction_hash": tx_hash})
    assert entry is not None
    assert (entry["status"], entry["error"]) == ("failed", "recipient_is_module_account")
    assert cluster.reader.proposals(cluster.vault) == []


def test_a_lost_vote_is_cast_again(cluster: GroupCluster) -> None:
    # Given node 5 recorded as signed although its vote never reached the chain
    entry_id = cluster.refund(2_000_000)
    cluster.run(2, nodes=[0])
    cluster.db[REFUNDS].update_one(
        {"_id": entry_id},
        {
            "$push": {
                "signers": "node-05",
                "signatures": {"node_id": "node-05", "signer": "x", "signature": "lost"},
            }
        },
    )

    # When only nine nodes run, node 5 among them
    cluster.run(2, nodes=EVERYONE[:THRESHOLD])

    # Then node 5 voted after all, and the ninth vote paid it
    assert _entry(cluster, REFUNDS, entry_id)["status"] == "executed"
    _invariants(cluster, {cluster.wallet.address: 2_000_000})


class _IndexWithoutExecs(PocketClient):
    """An RPC whose tx index lacks every ``EventExec`` (e.g. events not indexed, state sync)."""

    def iter_txs(self, query: str, page_size: int = 100) -> Iterator[dict[str, Any]]:
        if "EventExec" in query:
            return iter(())
        return super().iter_txs(query, page_size)


def test_a_paid_proposal_missing_from_the_index_is_never_taken_for_dead(
    cluster: GroupCluster, group_chain: GroupChain
) -> None:
    # Given a refund paid, and a node whose RPC does not index the successful exec
    entry_id = cluster.refund(2_000_000)
    cluster.run(2)
    entry = _entry(cluster, REFUNDS, entry_id)
    assert entry["status"] == "executed"
    config = ReleaseConfig.from_settings(cluster.nodes[1].settings)
    blind_rpc = _IndexWithoutExecs(cluster.pokt_url, retries=1)
    blind = PoktGroupCustody(
        ReleaseNode(
            ReleaseKind.REFUND, config, cluster.db, blind_rpc, cluster.eth_client, "node-01"
        ),
        member=member_account(config, blind_rpc, MEMBERS[1]),
    )

    # When the execution window has long passed
    group_chain.clock.now += timedelta(days=20)
    group_chain.sim.state.produce_block()

    # Then that node cannot prove the payout dead: it waits, never proposes it again
    retired = RetiredOrder(entry["order"], entry["execution_tx_hash"])
    assert blind.proven_dead(retired) is False
    assert blind.outcome(Entry.from_document(REFUNDS, entry), entry["order"]).kind is (
        OutcomeKind.PENDING
    )


def test_a_refund_edited_at_detected_is_repaired_from_the_chain_and_paid(
    cluster: GroupCluster,
) -> None:
    # Given a refund entry whose recipient and amount are edited in the database
    entry_id = cluster.refund(3_500_000)
    thief = MEMBER_ADDRESSES[3]
    cluster.db[REFUNDS].update_one(
        {"_id": entry_id}, {"$set": {"to_address": thief, "amount": "90000000"}}
    )

    # When the nodes run
    cluster.run(3)

    # Then it was restored from the chain, the edit kept visibly, and the sender paid once
    entry = _entry(cluster, REFUNDS, entry_id)
    assert (entry["status"], entry["to_address"], entry["amount"]) == (
        "executed",
        cluster.wallet.address,
        "3500000",
    )
    assert entry["repaired"] == {"to_address": thief, "amount": "90000000"}
    assert cluster.payouts_to(thief) == []
    _invariants(cluster, {cluster.wallet.address: 3_500_000})


def test_a_dust_deposit_with_a_bad_memo_is_recorded_and_fails_visibly(
    cluster: GroupCluster,
) -> None:
    # Given 5 upokt sent with a bad memo: below the refund fee, which a group vault does not take
    tx_hash = cluster.wallet.send(cluster.vault, 5, memo="oops")
    response = cluster.pokt.tx(tx_hash)
    assert response is not None
    verdict = classify_deposit(response, deposit_rules(cluster.nodes[0].settings))
    assert verdict.kind is DepositKind.REFUND  # recorded, not a log line only
    built = entry_document(verdict, cluster.vault)
    assert built is not None
    entry_id = insert_once(cluster.db[built[0]], built[1]).id

    # When the nodes run, then it is failed visibly, nothing proposed
    cluster.run(1)
    entry = _entry(cluster, REFUNDS, entry_id)
    assert (entry["status"], entry["error"]) == ("failed", "below_minimum_payout")
    assert cluster.reader.proposals(cluster.vault) == []


def test_a_deposit_of_another_coin_is_recorded_and_fails_visibly_naming_it(
    cluster: GroupCluster,
) -> None:
    # Given 7 uother sent to the vault with a valid memo, recorded by the pokt-watcher's rules
    sender = cluster.wallet.address
    memo = '{"address": "0x00000000219ab540356cbb839cbe05303d7705fa", "chain_id": "31337"}'
    entry_id = cluster.record_refund(
        cluster.wallet.send(cluster.vault, 7, memo=memo, denom="uother")
    )

    # When the nodes run
    cluster.run(1)

    # Then it failed with the error naming the coin before any proposal; its parts and
    # `wpokt-node status` tell the operator what to pay back to whom
    entry = _entry(cluster, REFUNDS, entry_id)
    assert (entry["status"], entry["error"]) == ("failed", f"other_denoms: {sender} sent 7uother")
    assert entry["parts"] == [{"address": sender, "coins": [{"denom": "uother", "amount": "7"}]}]
    assert (entry["to_address"], entry["amount"]) == (cluster.vault, "0")
    assert cluster.reader.proposals(cluster.vault) == []
    assert [(r["id"], r["reason"]) for r in unresolved_refunds(cluster.db)] == [
        (str(entry_id), "other_denoms")
    ]
    _invariants(cluster, {})

    # And when operators pay it back as the runbook says (an admin proposal of the vault
    # sending each part, T votes) and record the resolution on the entry
    before = cluster.pokt.balance(sender, "uother")
    sends = [
        vault_send(
            cluster.vault, p["address"], [Coin(c["denom"], int(c["amount"])) for c in p["coins"]]
        )
        for p in entry["parts"]
    ]
    title = f"operator-refund:{entry['transaction_hash']}"
    proposal = admin_proposal(cluster.vault, MEMBER_ADDRESSES[0], sends, title=title)
    assert cluster.send_as_member(0, [proposal])["code"] == 0
    (open_proposal,) = cluster.reader.proposals(cluster.vault)
    for index in range(THRESHOLD):
        vote = vote_yes(open_proposal.id, MEMBER_ADDRESSES[index])
        assert cluster.send_as_member(index, [vote])["code"] == 0
    cluster.db[REFUNDS].update_one(
        {"_id": entry_id, "status": "failed", "resolution": None},
        {
            "$set": {
                "resolution": {
                    "by": "ops",
                    "at": datetime.now(UTC),
                    "note": "paid back",
                    "proposal_id": open_proposal.id,
                }
            }
        },
    )

    # Then the sender has its coin back, the nodes stay out of it, and status lists nothing
    assert cluster.pokt.balance(sender, "uother") == before + 7
    cluster.run(1)
    assert _entry(cluster, REFUNDS, entry_id)["status"] == "failed"
    assert unresolved_refunds(cluster.db) == []


def test_a_deposit_through_authz_with_a_bad_memo_is_paid_back_to_its_owner(
    cluster: GroupCluster,
) -> None:
    # Given a deposit wrapped in an authz MsgExec, with a bad memo, recorded as a refund
    owner = cluster.wallet.address
    entry_id = cluster.record_refund(
        cluster.wallet.send_through_authz(cluster.vault, 2_000_000, memo="not a memo")
    )

    # When every node runs two passes (each re-reads the MsgExec deposit on its own RPC)
    cluster.run(2)

    # Then the owner of the funds got all of it back, once
    entry = _entry(cluster, REFUNDS, entry_id)
    assert (entry["status"], entry["to_address"]) == ("executed", owner)
    _invariants(cluster, {owner: 2_000_000})


def test_a_burn_recorded_again_after_its_payout_is_recognised_not_paid_twice(
    cluster: GroupCluster,
) -> None:
    # Given a burn paid through its proposal (which the chain prunes once executed)
    to = recipient("restored burn")
    tx_hash = cluster.burn(4_000_000, to)
    assert cluster.watcher().run_once()["inserted"] == 1
    cluster.run(2)
    paid = cluster.db[BURNS].find_one({"transaction_hash": tx_hash})
    assert paid is not None
    assert paid["status"] == "executed"

    # When the database is restored from a backup taken before the burn: the entry and the
    # watchers' positions are gone, and the burn is recorded again
    cluster.db[BURNS].delete_one({"_id": paid["_id"]})
    cluster.db[NODE_STATE].delete_many({})
    assert cluster.watcher().run_once()["inserted"] == 1
    cluster.run(3)

    # Then the nodes recognise it by the payout their journals hold, and pay nothing again
    again = cluster.db[BURNS].find_one({"transaction_hash": tx_hash})
    assert again is not None
    assert again["_id"] != paid["_id"]
    assert again["status"] == "executed"
    assert again["execution_tx_hash"] == paid["execution_tx_hash"]
    assert again["proposal_id"] == paid["proposal_id"]
    assert cluster.payouts_to(to) == [4_000_000]
