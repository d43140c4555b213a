"""x/group through the Pocket simulator's txs, REST, blocks and state file: a 9-of-12 vault
whose members each sign single-key SIGN_MODE_DIRECT txs built with the node's own builders
(docs/pocket-group.md)."""

from __future__ import annotations

import base64
import struct
from datetime import timedelta

import pytest
from cosmpy.protos.cosmos.base.abci.v1beta1 import abci_pb2
from cosmpy.protos.cosmos.group.v1 import tx_pb2 as group_tx_pb2
from cosmpy.protos.cosmos.group.v1 import types_pb2 as group_types_pb2
from google.protobuf import any_pb2, duration_pb2

from tests.integration.devnet.group_chain import (
    GROUP,
    PAYOUT,
    RECIPIENT,
    GroupChain,
    balance,
    events_of,
    exec_result,
    fund_vault,
    msg_send,
    proposal,
    submit_payout,
)
from wpokt_devnet.pokt_sim.group import policy_address
from wpokt_node.pokt.direct_tx import packed
from wpokt_node.pokt.group_msgs import execute, vote_yes

pytestmark = pytest.mark.pokt

NOT_FOUND = {"code": 2, "message": "load proposal: not found", "details": []}


def test_a_vault_is_created_with_its_policy_account_and_rest_shapes(chain: GroupChain) -> None:
    # Given a fresh chain, when member 0 creates the 9-of-12 group with its policy
    result = chain.create_vault()

    # Then the policy address is the SDK's derivation of policy sequence 1
    assert chain.vault == policy_address(1)
    assert chain.group_id == 1
    data = abci_pb2.TxMsgData.FromString(bytes.fromhex(result["data"]))
    response = group_tx_pb2.MsgCreateGroupWithPolicyResponse.FromString(data.msg_responses[0].value)
    assert data.msg_responses[0].type_url == GROUP + "MsgCreateGroupWithPolicyResponse"
    assert (response.group_id, response.group_policy_address) == (1, chain.vault)
    assert events_of(result, "message")[-1] == {
        "action": GROUP + "MsgCreateGroupWithPolicy",
        "sender": chain.address(0),
        "module": "group",
        "msg_index": "0",
    }
    tx = chain.get(f"/cosmos/tx/v1beta1/txs/{result['txhash']}").json()["tx"]
    message = tx["body"]["messages"][0]
    assert message["@type"] == GROUP + "MsgCreateGroupWithPolicy"
    assert message["decision_policy"]["@type"] == GROUP + "ThresholdDecisionPolicy"
    assert message["decision_policy"]["windows"]["voting_period"] == "86400s"

    # And the policy account exists with a ModuleCredential pub key
    account = chain.get(f"/cosmos/auth/v1beta1/accounts/{chain.vault}").json()["account"]
    assert account["@type"] == "/cosmos.auth.v1beta1.BaseAccount"
    assert account["pub_key"] == {
        "@type": "/cosmos.auth.v1beta1.ModuleCredential",
        "module_name": "group",
        "derivation_keys": ["IA==", base64.b64encode(struct.pack(">Q", 1)).decode()],
    }
    assert account["account_number"] == "13"  # after 12 genesis members and the fee collector

    # And the group REST routes answer in the gateway's shapes
    info = chain.get("/cosmos/group/v1/group_info/1").json()["info"]
    assert info == {
        "id": "1",
        "admin": chain.vault,
        "metadata": "",
        "version": "2",
        "total_weight": "12",
        "created_at": "2026-03-01T12:00:00Z",
    }
    policy = chain.get(f"/cosmos/group/v1/group_policy_info/{chain.vault}").json()["info"]
    assert policy["decision_policy"] == {
        "@type": GROUP + "ThresholdDecisionPolicy",
        "threshold": "9",
        "windows": {"voting_period": "86400s", "min_execution_period": "0s"},
    }
    assert (policy["admin"], policy["version"], policy["group_id"]) == (chain.vault, "2", "1")
    members = chain.get("/cosmos/group/v1/group_members/1").json()
    assert members["pagination"] == {"next_key": None, "total": "12"}
    assert members["members"][0]["member"]["weight"] == "1"
    assert {m["member"]["address"] for m in members["members"]} == {
        chain.address(i) for i in range(12)
    }
    by_group = chain.get("/cosmos/group/v1/group_policies_by_group/1").json()
    assert [p["address"] for p in by_group["group_policies"]] == [chain.vault]
    by_member = chain.get(f"/cosmos/group/v1/groups_by_member/{chain.address(3)}").json()
    assert [g["id"] for g in by_member["groups"]] == ["1"]


def test_the_ninth_yes_vote_pays_out_and_prunes_the_proposal(chain: GroupChain) -> None:
    # Given a funded vault and a payout proposal
    chain.create_vault()
    fund_vault(chain, 5_000_000)
    proposal_id = submit_payout(chain)
    shape = proposal(chain, proposal_id).json()["proposal"]
    assert shape["status"] == "PROPOSAL_STATUS_SUBMITTED"
    assert (shape["group_version"], shape["group_policy_version"]) == ("2", "2")
    assert shape["messages"] == [
        {
            "@type": "/cosmos.bank.v1beta1.MsgSend",
            "from_address": chain.vault,
            "to_address": RECIPIENT,
            "amount": [{"denom": "upokt", "amount": str(PAYOUT)}],
        }
    ]
    assert shape["voting_period_end"] == "2026-03-02T12:00:00Z"
    vault_before = balance(chain, chain.vault)

    # When 8 members vote YES with exec TRY: it stays SUBMITTED, each EventExec is NOT_RUN
    for member in range(8):
        result = chain.send(member, vote_yes(proposal_id, chain.address(member)))
        assert result["code"] == 0, result["raw_log"]
        assert exec_result(result) == '"PROPOSAL_EXECUTOR_RESULT_NOT_RUN"'
    assert proposal(chain, proposal_id).json()["proposal"]["status"] == "PROPOSAL_STATUS_SUBMITTED"
    tally = chain.get(f"/cosmos/group/v1/proposals/{proposal_id}/tally").json()["tally"]
    assert tally == {
        "yes_count": "8",
        "abstain_count": "0",
        "no_count": "0",
        "no_with_veto_count": "0",
    }
    votes = chain.get(f"/cosmos/group/v1/votes_by_proposal/{proposal_id}").json()
    assert votes["pagination"]["total"] == "8"
    vote = chain.get(f"/cosmos/group/v1/vote_by_proposal_voter/{proposal_id}/{chain.address(2)}")
    assert vote.json()["vote"]["option"] == "VOTE_OPTION_YES"
    assert balance(chain, RECIPIENT) == 0

    # When the 9th votes
    ninth = chain.send(8, vote_yes(proposal_id, chain.address(8)))

    # Then the payout ran in that tx: recipient credited, vault debited exactly
    assert ninth["code"] == 0, ninth["raw_log"]
    assert balance(chain, RECIPIENT) == PAYOUT
    assert balance(chain, chain.vault) == vault_before - PAYOUT
    types = [e["type"] for e in ninth["events"] if e["type"].startswith("cosmos.group")]
    assert types == [
        "cosmos.group.v1.EventVote",
        "cosmos.group.v1.EventProposalPruned",
        "cosmos.group.v1.EventExec",
    ]
    transfers = events_of(ninth, "transfer")
    assert transfers[-1] == {
        "recipient": RECIPIENT,
        "sender": chain.vault,
        "amount": f"{PAYOUT}upokt",
        "msg_index": "0",
    }
    assert exec_result(ninth) == '"PROPOSAL_EXECUTOR_RESULT_SUCCESS"'

    # And the proposal is gone, as the gateway answers a not-found keeper error
    gone = proposal(chain, proposal_id)
    assert (gone.status_code, gone.json()) == (500, NOT_FOUND)

    # And tx search finds the 9th vote by its EventExec
    query = (
        f"cosmos.group.v1.EventExec.proposal_id='\"{proposal_id}\"' AND "
        "cosmos.group.v1.EventExec.result='\"PROPOSAL_EXECUTOR_RESULT_SUCCESS\"'"
    )
    assert [r["txhash"] for r in chain.search(query)] == [ninth["txhash"]]
    assert len(chain.search(f"message.action='{GROUP}MsgVote'")) == 9

    # And a later vote fails with load proposal: not found (sdk code 38)
    late = chain.send(9, vote_yes(proposal_id, chain.address(9)))
    assert (late["code"], late["codespace"]) == (38, "sdk")
    assert late["raw_log"].endswith("load proposal: not found")


def test_a_member_votes_once(chain: GroupChain) -> None:
    chain.create_vault()
    proposal_id = submit_payout(chain)
    assert chain.send(1, vote_yes(proposal_id, chain.address(1)))["code"] == 0

    again = chain.send(1, vote_yes(proposal_id, chain.address(1)))

    assert (again["code"], again["codespace"]) == (13, "legacy_orm")
    assert "store vote: unique constraint violation" in again["raw_log"]
    assert again["height"] != "0"  # delivered and failed: the fee is paid, sequence +1


def test_a_proposal_must_pay_from_the_policy(chain: GroupChain) -> None:
    chain.create_vault()
    submit = group_tx_pb2.MsgSubmitProposal(
        group_policy_address=chain.vault,
        proposers=[chain.address(0)],
        messages=[msg_send(chain.address(0), RECIPIENT, 5)],
    )
    result = chain.send(0, packed(GROUP + "MsgSubmitProposal", submit))
    assert (result["code"], result["codespace"]) == (7, "group")
    assert "msg does not have group policy authorization" in result["raw_log"]
    listed = chain.get(f"/cosmos/group/v1/proposals_by_group_policy/{chain.vault}").json()
    assert listed["proposals"] == []


def test_a_failed_payout_stays_accepted_and_a_later_exec_pays(chain: GroupChain) -> None:
    # Given an unfunded vault, a proposal gets its 9th YES
    chain.create_vault()
    proposal_id = submit_payout(chain)
    for member in range(8):
        chain.send(member, vote_yes(proposal_id, chain.address(member)))
    ninth = chain.send(8, vote_yes(proposal_id, chain.address(8)))

    # Then the tx succeeds, the execution failed and the proposal stays ACCEPTED
    assert ninth["code"] == 0, ninth["raw_log"]
    assert exec_result(ninth) == '"PROPOSAL_EXECUTOR_RESULT_FAILURE"'
    logs = events_of(ninth, "cosmos.group.v1.EventExec")[-1]["logs"]
    assert "proposal execution failed on proposal" in logs
    assert "insufficient funds" in logs
    shape = proposal(chain, proposal_id).json()["proposal"]
    assert (shape["status"], shape["executor_result"]) == (
        "PROPOSAL_STATUS_ACCEPTED",
        "PROPOSAL_EXECUTOR_RESULT_FAILURE",
    )
    assert shape["final_tally_result"]["yes_count"] == "9"

    # When the vault is funded and anyone sends MsgExec
    fund_vault(chain, 2_000_000)
    result = chain.send(10, execute(proposal_id, chain.address(10)))

    # Then it pays and the proposal is pruned
    assert exec_result(result) == '"PROPOSAL_EXECUTOR_RESULT_SUCCESS"'
    data = abci_pb2.TxMsgData.FromString(bytes.fromhex(result["data"]))
    assert data.msg_responses[0].type_url == GROUP + "MsgExecResponse"
    assert balance(chain, RECIPIENT) == PAYOUT
    assert proposal(chain, proposal_id).status_code == 500


def _decision_policy_update(vault: str, proposer: str, threshold: int) -> any_pb2.Any:
    policy = group_types_pb2.ThresholdDecisionPolicy(
        threshold=str(threshold),
        windows=group_types_pb2.DecisionPolicyWindows(
            voting_period=duration_pb2.Duration(seconds=86400),
            min_execution_period=duration_pb2.Duration(seconds=0),
        ),
    )
    update = group_tx_pb2.MsgUpdateGroupPolicyDecisionPolicy(
        admin=vault,
        group_policy_address=vault,
        decision_policy=packed(GROUP + "ThresholdDecisionPolicy", policy),
    )
    submit = group_tx_pb2.MsgSubmitProposal(
        group_policy_address=vault,
        proposers=[proposer],
        messages=[packed(GROUP + "MsgUpdateGroupPolicyDecisionPolicy", update)],
        title="threshold 8",
    )
    return packed(GROUP + "MsgSubmitProposal", submit)


def test_a_decision_policy_update_aborts_the_other_open_proposals(chain: GroupChain) -> None:
    # Given an open payout proposal and a proposal to lower the threshold to 8
    chain.create_vault()
    payout = submit_payout(chain)
    result = chain.send(1, _decision_policy_update(chain.vault, chain.address(1), 8))
    assert result["code"] == 0, result["raw_log"]
    update = int(events_of(result, "cosmos.group.v1.EventSubmitProposal")[0]["proposal_id"][1:-1])

    # When 9 members accept the update
    for member in range(9):
        last = chain.send(member, vote_yes(update, chain.address(member)))
    assert exec_result(last) == '"PROPOSAL_EXECUTOR_RESULT_SUCCESS"'

    # Then the policy changed and the payout proposal is ABORTED (no tally any more)
    policy = chain.get(f"/cosmos/group/v1/group_policy_info/{chain.vault}").json()["info"]
    assert (policy["decision_policy"]["threshold"], policy["version"]) == ("8", "3")
    assert proposal(chain, payout).json()["proposal"]["status"] == "PROPOSAL_STATUS_ABORTED"
    tally = chain.get(f"/cosmos/group/v1/proposals/{payout}/tally")
    assert tally.status_code == 500
    assert tally.json()["message"] == (
        "can't get the tally of a proposal with status PROPOSAL_STATUS_ABORTED: invalid value"
    )
    assert chain.send(2, vote_yes(payout, chain.address(2)))["codespace"] == "group"


def test_the_voting_period_end_tallies_in_end_block(chain: GroupChain) -> None:
    # Given 9 YES votes without exec, the proposal is still SUBMITTED
    chain.create_vault(voting_period=timedelta(hours=1))
    fund_vault(chain, 3_000_000)
    proposal_id = submit_payout(chain)
    for member in range(9):
        vote = group_tx_pb2.MsgVote(
            proposal_id=proposal_id,
            voter=chain.address(member),
            option=group_types_pb2.VOTE_OPTION_YES,
        )
        result = chain.send(member, packed(GROUP + "MsgVote", vote))
        assert result["code"] == 0, result["raw_log"]
        assert events_of(result, "cosmos.group.v1.EventExec") == []  # no exec without TRY
    assert proposal(chain, proposal_id).json()["proposal"]["status"] == "PROPOSAL_STATUS_SUBMITTED"

    # When a block is produced after the voting period end
    chain.clock.now += timedelta(hours=1, seconds=1)
    chain.blocks(1)

    # Then the EndBlocker tallied it (ACCEPTED, not executed), as a block event source
    shape = proposal(chain, proposal_id).json()["proposal"]
    assert (shape["status"], shape["executor_result"]) == (
        "PROPOSAL_STATUS_ACCEPTED",
        "PROPOSAL_EXECUTOR_RESULT_NOT_RUN",
    )
    assert chain.get(f"/cosmos/group/v1/votes_by_proposal/{proposal_id}").json()["votes"] == []
    # And a MsgExec within the 14-day window pays
    result = chain.send(3, execute(proposal_id, chain.address(3)))
    assert exec_result(result) == '"PROPOSAL_EXECUTOR_RESULT_SUCCESS"'
    assert balance(chain, RECIPIENT) == PAYOUT
