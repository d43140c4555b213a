"""Group vault reads and payouts against the SDK's JSON shapes (cosmos-sdk v0.53 x/group,
``proto/cosmos/group/v1``; the shapes in docs/pocket-group.md), and the member account's
sequence handling against scripted answers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

from tests.unit.pokt.scripted_http import Request, ScriptedServer
from wpokt_node.addresses import address_from_secp256k1_pubkey
from wpokt_node.errors import ValidationError
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_msgs import vote_yes
from wpokt_node.pokt.group_payout import GroupPayout, payload_hash
from wpokt_node.pokt.group_reads import GroupReader, ProposalStatus
from wpokt_node.pokt.member_tx import MemberAccount, MemberCannotPayError

pytestmark = pytest.mark.pokt

MEMBER = LocalKeySigner(bytes([7]) * 32)
MEMBER_ADDRESS = address_from_secp256k1_pubkey(MEMBER.public_key)
VAULT = "pokt1afk9zr2hn2jsac63h4hm60vl9z3e5u69gndzf7c99cqge3vzwjzscxnvwx"  # policy seq 1
RECIPIENT = address_from_secp256k1_pubkey(LocalKeySigner(bytes([8]) * 32).public_key)
TITLE = "refund:" + "AB" * 32


def _proposal(**changes: Any) -> dict[str, Any]:
    proposal: dict[str, Any] = {
        "id": "5",
        "group_policy_address": VAULT,
        "metadata": "",
        "proposers": [MEMBER_ADDRESS],
        "submit_time": "2026-12-02T07:00:00.123456789Z",
        "group_version": "2",
        "group_policy_version": "2",
        "status": "PROPOSAL_STATUS_SUBMITTED",
        "final_tally_result": {
            "yes_count": "0",
            "abstain_count": "0",
            "no_count": "0",
            "no_with_veto_count": "0",
        },
        "voting_period_end": "2026-12-02T07:10:00Z",
        "executor_result": "PROPOSAL_EXECUTOR_RESULT_NOT_RUN",
        "messages": [
            {
                "@type": "/cosmos.bank.v1beta1.MsgSend",
                "from_address": VAULT,
                "to_address": RECIPIENT,
                "amount": [{"denom": "upokt", "amount": "3000000"}],
            }
        ],
        "title": TITLE,
        "summary": "wPOKT bridge payout",
    }
    proposal.update(changes)
    return proposal


def _payout() -> GroupPayout:
    return GroupPayout("pocket", VAULT, RECIPIENT, 3_000_000, "upokt", TITLE)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


def _reader(server: ScriptedServer) -> GroupReader:
    return GroupReader(PocketClient(server.url, retries=3, backoff_s=0.01))


def test_given_the_sdk_proposal_json_when_read_then_every_field_is_typed(
    server: ScriptedServer,
) -> None:
    server.on("GET", "/cosmos/group/v1/proposal/5", (200, {"proposal": _proposal()}))
    proposal = _reader(server).proposal(5)
    assert proposal is not None
    assert proposal.status is ProposalStatus.SUBMITTED
    assert proposal.submit_time == datetime(2026, 12, 2, 7, 0, 0, 123456, tzinfo=UTC)
    assert proposal.voting_period_end == datetime(2026, 12, 2, 7, 10, tzinfo=UTC)
    assert proposal.group_policy_version == 2
    assert _payout().mismatch(proposal) is None
    assert not proposal.expired(proposal.voting_period_end + timedelta(days=14))
    assert proposal.expired(proposal.voting_period_end + timedelta(days=14, seconds=1))


def test_given_a_pruned_proposal_when_read_then_none_at_once_without_retrying(
    server: ScriptedServer,
) -> None:
    # The SDK's error has no gRPC code: the gateway answers HTTP 500 / code 2 (Unknown).
    server.on(
        "GET",
        "/cosmos/group/v1/proposal/9",
        (500, {"code": 2, "message": "load proposal: not found", "details": []}),
    )
    assert _reader(server).proposal(9) is None
    assert server.count("GET", "/cosmos/group/v1/proposal/9") == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": "refund:" + "CD" * 32}, "is titled"),
        ({"group_policy_address": RECIPIENT}, "another group policy"),
        ({"messages": [*_proposal()["messages"], *_proposal()["messages"]]}, "exactly"),
        (
            {"messages": [{**_proposal()["messages"][0], "to_address": MEMBER_ADDRESS}]},
            "exactly",
        ),
        (
            {
                "messages": [
                    {
                        **_proposal()["messages"][0],
                        "amount": [{"denom": "upokt", "amount": "3000001"}],
                    }
                ]
            },
            "exactly",
        ),
    ],
)
def test_given_a_proposal_that_is_not_exactly_the_payout_then_it_is_named_a_mismatch(
    server: ScriptedServer, change: dict[str, Any], reason: str
) -> None:
    server.on("GET", "/cosmos/group/v1/proposal/5", (200, {"proposal": _proposal(**change)}))
    proposal = _reader(server).proposal(5)
    assert proposal is not None
    mismatch = _payout().mismatch(proposal)
    assert mismatch is not None
    assert reason in mismatch


def test_given_policy_info_and_members_when_read_then_threshold_windows_and_weights(
    server: ScriptedServer,
) -> None:
    info = {
        "address": VAULT,
        "group_id": "7",
        "admin": VAULT,
        "metadata": "",
        "version": "2",
        "decision_policy": {
            "@type": "/cosmos.group.v1.ThresholdDecisionPolicy",
            "threshold": "9",
            "windows": {"voting_period": "86400s", "min_execution_period": "0s"},
        },
        "created_at": "2026-12-02T07:00:00Z",
    }
    server.on("GET", f"/cosmos/group/v1/group_policy_info/{VAULT}", (200, {"info": info}))
    members = [
        {"group_id": "7", "member": {"address": f"pokt1m{i}", "weight": "1", "metadata": ""}}
        for i in range(3)
    ]
    server.on(
        "GET",
        "/cosmos/group/v1/group_members/7",
        (200, {"members": members[:2], "pagination": {"next_key": "AAE=", "total": "3"}}),
        (200, {"members": members[2:], "pagination": {"next_key": None, "total": "0"}}),
    )
    reader = _reader(server)
    policy = reader.policy(VAULT)
    assert policy is not None
    assert (policy.group_id, policy.threshold, policy.admin) == (7, 9, VAULT)
    assert policy.voting_period == timedelta(days=1)
    assert policy.min_execution_period == timedelta(0)
    assert reader.members(7) == {"pokt1m0": "1", "pokt1m1": "1", "pokt1m2": "1"}


def test_given_exec_events_when_searched_then_only_this_proposals_results_count(
    server: ScriptedServer,
) -> None:
    def event(proposal_id: str, result: str) -> dict[str, Any]:
        return {
            "type": "cosmos.group.v1.EventExec",
            "attributes": [
                {"key": "logs", "value": '""', "index": True},
                {"key": "proposal_id", "value": f'"{proposal_id}"', "index": True},
                {"key": "result", "value": f'"{result}"', "index": True},
                {"key": "msg_index", "value": "0", "index": True},
            ],
        }

    def search(request: Request) -> tuple[int, Any]:
        assert (
            "query",
            "cosmos.group.v1.EventExec.proposal_id='\"5\"' AND "
            "cosmos.group.v1.EventExec.result='\"PROPOSAL_EXECUTOR_RESULT_SUCCESS\"'",
        ) in request.query
        responses = [
            {"txhash": "A" * 64, "height": "10", "code": 0,
             "events": [event("5", "PROPOSAL_EXECUTOR_RESULT_NOT_RUN")]},
            {"txhash": "B" * 64, "height": "11", "code": 0,
             "events": [event("15", "PROPOSAL_EXECUTOR_RESULT_SUCCESS"),
                        event("5", "PROPOSAL_EXECUTOR_RESULT_SUCCESS")]},
        ]  # fmt: skip
        return 200, {"tx_responses": responses, "txs": [], "total": "2"}

    server.on("GET", "/cosmos/tx/v1beta1/txs", search)
    # The kv indexer matches conditions across a tx's events: tx A (NOT_RUN for 5) matches
    # nothing, tx B has SUCCESS for 15 and for 5; only the event of proposal 5 counts.
    found = _reader(server).executions(5, "PROPOSAL_EXECUTOR_RESULT_SUCCESS")
    assert [(e.tx_hash, e.result) for e in found] == [
        ("B" * 64, "PROPOSAL_EXECUTOR_RESULT_SUCCESS")
    ]


def test_group_payout_order_round_trips_and_rejects_garbage() -> None:
    server_time = datetime(2026, 12, 2, 7, 10, tzinfo=UTC)
    order = GroupPayout(
        "pocket", VAULT, RECIPIENT, 3_000_000, "upokt", TITLE, 5, server_time.isoformat()
    ).to_order()
    assert GroupPayout.from_order(order).proposal_id == 5
    assert payload_hash(order) == payload_hash(dict(reversed(list(order.items()))))
    assert payload_hash(order) != payload_hash({**order, "proposal_id": 6})
    for broken in ({**order, "proposal_id": True}, {**order, "amount": "-1"}, {"backend": "x"}):
        with pytest.raises(ValidationError):
            GroupPayout.from_order(broken)


def _account(sequence: int) -> tuple[int, Any]:
    account = {
        "@type": "/cosmos.auth.v1beta1.BaseAccount",
        "address": MEMBER_ADDRESS,
        "pub_key": None,
        "account_number": "3",
        "sequence": str(sequence),
    }
    return 200, {"account": account}


def _sequence_of(request: Request) -> int:
    raw = tx_pb2.TxRaw.FromString(base64.b64decode(request.body["tx_bytes"]))
    return int(tx_pb2.AuthInfo.FromString(raw.auth_info_bytes).signer_infos[0].sequence)


def test_given_txs_in_the_mempool_when_sending_again_then_the_next_sequence_is_used(
    server: ScriptedServer,
) -> None:
    server.on("GET", f"/cosmos/auth/v1beta1/accounts/{MEMBER_ADDRESS}", _account(3))
    sent: list[int] = []
    accepted: list[int] = []

    def broadcast(request: Request) -> tuple[int, Any]:
        sequence = _sequence_of(request)
        sent.append(sequence)
        expected = 6 if accepted else 4  # after the first: 5 was used by another process
        if sequence != expected:
            log = f"account sequence mismatch, expected {expected}, got {sequence}: incorrect"
            return 200, {"tx_response": {"code": 32, "txhash": "C" * 64, "raw_log": log}}
        accepted.append(sequence)
        return 200, {"tx_response": {"code": 0, "txhash": "D" * 64, "raw_log": ""}}

    server.on("POST", "/cosmos/tx/v1beta1/txs", broadcast)
    member = MemberAccount(
        PocketClient(server.url, retries=1),
        MEMBER,
        chain_id="pocket",
        fee=Coin("upokt", 10_000),
        gas_limit=200_000,
    )

    member.send([vote_yes(1, member.address)])  # 3 refused (expected 4), then 4
    member.send([vote_yes(2, member.address)])  # 5 refused (expected 6), then 6
    assert sent == [3, 4, 5, 6]


def test_given_a_member_without_funds_when_voting_then_a_clear_cannot_pay_error(
    server: ScriptedServer,
) -> None:
    server.on("GET", f"/cosmos/auth/v1beta1/accounts/{MEMBER_ADDRESS}", _account(0))
    log = "spendable balance 0upokt is smaller than 10000upokt: insufficient funds"
    server.on(
        "POST",
        "/cosmos/tx/v1beta1/txs",
        (200, {"tx_response": {"code": 5, "txhash": "E" * 64, "raw_log": log}}),
    )
    member = MemberAccount(
        PocketClient(server.url, retries=1),
        MEMBER,
        chain_id="pocket",
        fee=Coin("upokt", 10_000),
        gas_limit=200_000,
    )

    with pytest.raises(MemberCannotPayError, match=f"{MEMBER_ADDRESS} cannot pay"):
        member.send([vote_yes(1, member.address)])
