"""x/group vault txs against the ante handler and the state machine's guarantees: the sig
limit, unsignable policy accounts, sign modes, all-or-nothing txs, restarts."""

from __future__ import annotations

import pytest

from tests.integration.devnet.group_chain import (
    GROUP,
    MEMBER_BALANCE,
    PAYOUT,
    RECIPIENT,
    GroupChain,
    balance,
    exec_result,
    fund_vault,
    msg_send,
    proposal,
    start_chain,
    submit_payout,
)
from tests.integration.devnet.pokt_multisig_builder import Vault, build_vault_send
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.group_msgs import payout_proposal, vote_yes

pytestmark = pytest.mark.pokt


def test_twelve_multisig_keys_are_refused_while_group_txs_pass(chain: GroupChain) -> None:
    # Given the 12 members as a 9-of-12 multisig vault (funded) next to the group vault
    multisig = Vault(9, chain.members)
    chain.create_vault()
    fund_vault(chain, 1_000_000)
    assert chain.send(10, msg_send(chain.address(10), multisig.address, 1_000_000))["code"] == 0
    account = chain.sim.state.account(multisig.address)
    assert account is not None

    # When the multisig vault sends: 12 keys exceed tx_sig_limit 7
    raw = build_vault_send(
        multisig, list(range(9)), chain_id="pocket", account_number=account.account_number,
        sequence=0, to_address=RECIPIENT, amount=1_000, fee=10,
    )  # fmt: skip
    refused = chain.broadcast(raw)
    assert (refused["code"], refused["codespace"]) == (14, "sdk")

    # Then the group vault pays with 1 signature per tx
    proposal_id = submit_payout(chain, amount=1_000)
    for member in range(9):
        assert chain.send(member, vote_yes(proposal_id, chain.address(member)))["code"] == 0
    assert balance(chain, RECIPIENT) == 1_000


def test_the_policy_account_cannot_sign(chain: GroupChain) -> None:
    chain.create_vault()
    fund_vault(chain, 1_000)
    # a tx claiming the policy as signer, signed by a member's key: invalid pubkey (code 8)
    result = chain.send(0, msg_send(chain.vault, RECIPIENT, 1))
    assert (result["code"], result["codespace"]) == (8, "sdk")
    assert balance(chain, RECIPIENT) == 0


def test_a_legacy_amino_signature_on_a_group_tx_fails(chain: GroupChain) -> None:
    from cosmpy.protos.cosmos.tx.signing.v1beta1 import signing_pb2
    from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

    chain.create_vault()
    proposal_id = submit_payout(chain)
    raw = tx_pb2.TxRaw.FromString(chain.sign(1, vote_yes(proposal_id, chain.address(1))))
    auth = tx_pb2.AuthInfo.FromString(raw.auth_info_bytes)
    auth.signer_infos[0].mode_info.single.mode = signing_pb2.SIGN_MODE_LEGACY_AMINO_JSON
    raw.auth_info_bytes = auth.SerializeToString()
    result = chain.broadcast(raw.SerializeToString())
    assert (result["code"], result["codespace"]) == (4, "sdk")


def test_a_failing_message_after_a_group_message_leaves_no_group_change(chain: GroupChain) -> None:
    chain.create_vault()
    payout = payout_proposal(
        chain.vault, chain.address(0), RECIPIENT, Coin("upokt", 5), title="burn:0x2:0"
    )
    too_much = msg_send(chain.address(0), RECIPIENT, MEMBER_BALANCE * 10)

    result = chain.send(0, payout, too_much)

    assert (result["code"], result["codespace"]) == (5, "sdk")
    assert "message index: 1" in result["raw_log"]
    listed = chain.get(f"/cosmos/group/v1/proposals_by_group_policy/{chain.vault}").json()
    assert listed["pagination"]["total"] == "0"
    assert chain.sim.state.read_groups(lambda module: module.proposal_seq) == 0


def test_a_restart_keeps_the_group_state(chain: GroupChain) -> None:
    # Given a vault with an open proposal holding 3 votes and an executed one
    chain.create_vault()
    fund_vault(chain, 2_000_000)
    done = submit_payout(chain, amount=1_000)
    for member in range(9):
        chain.send(member, vote_yes(done, chain.address(member)))
    open_id = submit_payout(chain)
    for member in range(3):
        chain.send(member, vote_yes(open_id, chain.address(member)))
    before = {
        path: chain.get(path).json()
        for path in (
            f"/cosmos/group/v1/proposal/{open_id}",
            f"/cosmos/group/v1/votes_by_proposal/{open_id}",
            f"/cosmos/group/v1/group_policy_info/{chain.vault}",
            "/cosmos/group/v1/group_members/1",
            f"/cosmos/auth/v1beta1/accounts/{chain.vault}",
        )
    }

    # When the simulator restarts from its state file
    chain.sim.stop()
    chain.started.remove(chain.sim)
    chain.sim = start_chain(chain.members, chain.clock, chain.state_file)
    chain.started.append(chain.sim)

    # Then the group state is the same, and the votes continue where they were
    assert {path: chain.get(path).json() for path in before} == before
    assert proposal(chain, done).status_code == 500
    for member in range(3, 9):
        last = chain.send(member, vote_yes(open_id, chain.address(member)))
    assert exec_result(last) == '"PROPOSAL_EXECUTOR_RESULT_SUCCESS"'
    assert balance(chain, RECIPIENT) == 1_000 + PAYOUT
    assert chain.search(f"message.action='{GROUP}MsgCreateGroupWithPolicy'")
