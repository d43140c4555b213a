"""Test helper: a Pocket simulator with a movable clock and 12 group members who sign
single-key SIGN_MODE_DIRECT txs with the node's own builders (``wpokt_node.pokt``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from google.protobuf import any_pb2

from tests.fixtures.pokt import pokt_genesis
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_sim.genesis import genesis_from_dict
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.direct_tx import direct_tx, packed, sign_direct
from wpokt_node.pokt.group_msgs import create_group_with_policy, payout_proposal

MEMBER_COUNT = 12
THRESHOLD = 9
MEMBER_BALANCE = 10_000_000
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


def member_signers() -> list[LocalKeySigner]:
    return [
        LocalKeySigner(hashlib.sha256(f"group member {i}".encode()).digest())
        for i in range(MEMBER_COUNT)
    ]


@dataclass
class GroupChain:
    sim: PoktSimulator
    members: list[LocalKeySigner]
    clock: Clock
    vault: str = ""
    group_id: int = 0
    state_file: Path | None = None
    started: list[PoktSimulator] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.sim.url

    def address(self, index: int) -> str:
        return pokt_address_of(self.members[index].public_key)

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=10)

    def sign(self, index: int, *messages: any_pb2.Any, gas: int = 2_000_000) -> bytes:
        account = self.sim.state.account(self.address(index))
        assert account is not None
        unsigned = direct_tx(
            public_key=self.members[index].public_key,
            messages=list(messages),
            chain_id="pocket",
            account_number=account.account_number,
            sequence=account.sequence,
            fee=Coin("upokt", 10),
            gas_limit=gas,
        )
        return sign_direct(self.members[index], unsigned).tx_bytes

    def broadcast(self, raw: bytes) -> dict[str, Any]:
        """Broadcast (instant mode: the tx is in a block when this returns); the tx_response
        of the included tx, or the CheckTx answer when it was refused."""
        import base64

        body = requests.post(
            f"{self.url}/cosmos/tx/v1beta1/txs",
            json={"tx_bytes": base64.b64encode(raw).decode(), "mode": "BROADCAST_MODE_SYNC"},
            timeout=10,
        ).json()["tx_response"]
        if body["code"] != 0:
            return dict(body)
        found = self.get(f"/cosmos/tx/v1beta1/txs/{body['txhash']}")
        assert found.status_code == 200, found.text
        return dict(found.json()["tx_response"])

    def send(self, index: int, *messages: any_pb2.Any) -> dict[str, Any]:
        return self.broadcast(self.sign(index, *messages))

    def search(self, query: str) -> list[dict[str, Any]]:
        answer = self.get(f"/cosmos/tx/v1beta1/txs?query={quote(query)}")
        assert answer.status_code == 200, answer.text
        return list(answer.json()["tx_responses"])

    def blocks(self, count: int = 1) -> None:
        requests.post(f"{self.url}/devnet/blocks", json={"count": count}, timeout=10)

    def create_vault(self, *, voting_period: timedelta = timedelta(days=1)) -> dict[str, Any]:
        members = [self.address(i) for i in range(MEMBER_COUNT)]
        message = create_group_with_policy(
            self.address(0), members, threshold=THRESHOLD, voting_period=voting_period
        )
        result = self.send(0, message)
        assert result["code"] == 0, result["raw_log"]
        attrs = events_of(result, "cosmos.group.v1.EventCreateGroupPolicy")[0]
        self.vault = attrs["address"].strip('"')
        group = events_of(result, "cosmos.group.v1.EventCreateGroup")[0]
        self.group_id = int(group["group_id"].strip('"'))
        return result


def events_of(tx_response: dict[str, Any], event_type: str) -> list[dict[str, str]]:
    return [
        {a["key"]: a["value"] for a in e["attributes"]}
        for e in tx_response["events"]
        if e["type"] == event_type
    ]


def start_chain(
    members: list[LocalKeySigner], clock: Clock, state_file: Path | None = None, **extra: Any
) -> PoktSimulator:
    genesis = pokt_genesis(members, balance=MEMBER_BALANCE, **extra)
    if state_file is not None:
        genesis["state_file"] = str(state_file)
    return PoktSimulator(genesis_from_dict(genesis), clock=clock).start()


GROUP = "/cosmos.group.v1."
RECIPIENT = pokt_address_of(LocalKeySigner(bytes([7]) * 32).public_key)
PAYOUT = 1_234_567


def msg_send(from_address: str, to_address: str, amount: int) -> any_pb2.Any:
    send = bank_tx_pb2.MsgSend(
        from_address=from_address,
        to_address=to_address,
        amount=[coin_pb2.Coin(denom="upokt", amount=str(amount))],
    )
    return packed("/cosmos.bank.v1beta1.MsgSend", send)


def fund_vault(chain: GroupChain, amount: int, member: int = 11) -> None:
    result = chain.send(member, msg_send(chain.address(member), chain.vault, amount))
    assert result["code"] == 0, result["raw_log"]


def balance(chain: GroupChain, address: str) -> int:
    account = chain.sim.state.account(address)
    return account.balance("upokt") if account else 0


def submit_payout(chain: GroupChain, amount: int = PAYOUT, proposer: int = 0) -> int:
    proposal = payout_proposal(
        chain.vault, chain.address(proposer), RECIPIENT, Coin("upokt", amount), title="burn:0x1:0"
    )
    result = chain.send(proposer, proposal)
    assert result["code"] == 0, result["raw_log"]
    return int(events_of(result, "cosmos.group.v1.EventSubmitProposal")[0]["proposal_id"][1:-1])


def proposal(chain: GroupChain, proposal_id: int) -> Any:
    return chain.get(f"/cosmos/group/v1/proposal/{proposal_id}")


def exec_result(result: dict[str, Any]) -> str:
    return events_of(result, "cosmos.group.v1.EventExec")[-1]["result"]
