"""Single-key transfers through the simulator: acceptance, every rejection code, tx search."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from cosmpy.protos.cosmos.authz.v1beta1 import tx_pb2 as authz_tx_pb2

from tests.fixtures.pokt import POKT_USER_BALANCE, PoktSimFactory, pokt_genesis
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_wallet import DevnetWallet, build_signed_send, msg_send
from wpokt_node.errors import ChainError
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.pokt.direct_tx import packed

pytestmark = pytest.mark.pokt


def _signed(wallet: DevnetWallet, to: str, amount: int = 100, **overrides: Any) -> bytes:
    number, sequence = wallet.account()
    arguments: dict[str, Any] = {
        "to_address": to, "amount": amount, "chain_id": "pocket",
        "account_number": number, "sequence": sequence,
    }  # fmt: skip
    arguments.update(overrides)
    return build_signed_send(wallet.signer, **arguments)


def _search(sim: PoktSimulator, **params: str) -> Any:
    response = requests.get(sim.url + "/cosmos/tx/v1beta1/txs", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_transfer_moves_balances_charges_fee_and_increments_sequence(
    pokt_wallets: list[DevnetWallet],
) -> None:
    alice, bob = pokt_wallets[0], pokt_wallets[1]
    outcome = alice.transfer(bob.address, 250_000, memo='{"address":"0xabc"}', fee=20)
    assert (outcome.code, outcome.height) == (0, 2)
    assert alice.balance() == POKT_USER_BALANCE - 250_020
    assert bob.balance() == POKT_USER_BALANCE + 250_000
    assert alice.account() == (0, 1)
    assert bob.account() == (1, 0)


@pytest.mark.parametrize(
    ("overrides", "code", "log_part"),
    [
        ({"sequence": 5}, 32, "account sequence mismatch, expected 0, got 5"),
        ({"chain_id": "pocket-beta"}, 4, "signature verification failed"),
        ({"account_number": 3}, 4, "please verify account number (0), sequence (0)"),
        ({"memo": "x" * 257}, 12, "maximum number of characters is 256 but received 257"),
        ({"memo": "é" * 129}, 12, "received 258 characters"),  # counted in bytes, like Go
        ({"gas": 1000}, 11, "out of gas"),
        ({"fee": POKT_USER_BALANCE + 1}, 5, "insufficient funds"),
        ({"amount": 10**100}, 2, "invalid coin amount"),
    ],
)
def test_rejections_at_broadcast_change_nothing(
    pokt_sim: PoktSimulator,
    pokt_wallets: list[DevnetWallet],
    overrides: dict[str, Any],
    code: int,
    log_part: str,
) -> None:
    alice, bob = pokt_wallets[0], pokt_wallets[1]
    result = alice.broadcast(_signed(alice, bob.address, **{"amount": 100, **overrides}))
    assert (result["code"], result["codespace"]) == (code, "sdk")
    assert log_part in result["raw_log"]
    assert result["height"] == "0"
    assert alice.account() == (0, 0)
    assert alice.balance() == POKT_USER_BALANCE
    assert pokt_sim.state.height == 1
    missing = requests.get(f"{pokt_sim.url}/cosmos/tx/v1beta1/txs/{result['txhash']}", timeout=5)
    assert missing.status_code == 404


def test_memo_of_exactly_256_bytes_is_accepted(pokt_wallets: list[DevnetWallet]) -> None:
    alice, bob = pokt_wallets[0], pokt_wallets[1]
    assert alice.broadcast(_signed(alice, bob.address, 1, memo="m" * 256))["code"] == 0


def test_tampered_signature_is_code_4(pokt_wallets: list[DevnetWallet]) -> None:
    from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

    alice, bob = pokt_wallets[0], pokt_wallets[1]
    raw = tx_pb2.TxRaw.FromString(_signed(alice, bob.address, 100))
    signature = bytearray(raw.signatures[0])
    signature[10] ^= 0x40
    raw.signatures[0] = bytes(signature)
    result = alice.broadcast(raw.SerializeToString())
    assert result["code"] == 4
    assert "signature verification failed" in result["raw_log"]


def test_high_s_signature_is_rejected(pokt_wallets: list[DevnetWallet]) -> None:
    from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

    from wpokt_node.keys.signer import SECP256K1_N

    alice, bob = pokt_wallets[0], pokt_wallets[1]
    raw = tx_pb2.TxRaw.FromString(_signed(alice, bob.address, 100))
    r, s = raw.signatures[0][:32], int.from_bytes(raw.signatures[0][32:], "big")
    raw.signatures[0] = r + (SECP256K1_N - s).to_bytes(32, "big")  # same signature, high S
    assert alice.broadcast(raw.SerializeToString())["code"] == 4


def test_insufficient_funds_is_included_with_code_5_and_fee_charged(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    alice, bob = pokt_wallets[0], pokt_wallets[1]
    outcome = alice.transfer(bob.address, POKT_USER_BALANCE, fee=7)
    assert outcome.code == 5
    assert outcome.height == 2
    assert "spendable balance" in outcome.raw_log
    assert "insufficient funds" in outcome.raw_log
    assert alice.balance() == POKT_USER_BALANCE - 7
    assert bob.balance() == POKT_USER_BALANCE
    assert alice.account() == (0, 1)
    found = _search(pokt_sim, query=f"transfer.recipient='{bob.address}'")
    assert found["total"] == "0"
    by_sender = _search(pokt_sim, query=f"message.sender='{alice.address}'")
    assert by_sender["total"] == "1"  # the fee payment's events are indexed
    assert by_sender["tx_responses"][0]["code"] == 5


def test_duplicate_broadcast_is_code_19(pokt_wallets: list[DevnetWallet]) -> None:
    alice, bob = pokt_wallets[0], pokt_wallets[1]
    raw = _signed(alice, bob.address, 100)
    assert alice.broadcast(raw)["code"] == 0
    again = alice.broadcast(raw)
    assert again["code"] == 19
    assert "tx already in mempool" in again["raw_log"]


def test_minimum_fee_and_unknown_sender(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    sim = pokt_sim_factory(pokt_genesis(pokt_users[:1], min_fee_upokt=100))
    funded = DevnetWallet(pokt_users[0], sim.url)
    stranger = DevnetWallet(pokt_users[1], sim.url)
    low = funded.broadcast(_signed(funded, stranger.address, 1, fee=99))
    assert low["code"] == 13
    assert "required: 100upokt" in low["raw_log"]
    assert funded.broadcast(_signed(funded, stranger.address, 1, fee=100))["code"] == 0
    unknown = build_signed_send(
        pokt_users[2], to_address=funded.address, amount=1, chain_id="pocket",
        account_number=0, sequence=0, fee=100,
    )  # fmt: skip
    assert funded.broadcast(unknown)["code"] == 9


def test_garbage_input_gets_errors_and_the_server_stays_up(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    url = pokt_sim.url + "/cosmos/tx/v1beta1/txs"
    for garbage in (b"\xff\x00garbage", b"\x0a\x05hello", bytes(range(256)), b"\x12"):
        body = {"tx_bytes": base64.b64encode(garbage).decode(), "mode": "BROADCAST_MODE_SYNC"}
        response = requests.post(url, json=body, timeout=5)
        assert response.status_code == 200
        assert response.json()["tx_response"]["code"] == 2
    bad_requests = [
        b"not json",
        b"[1,2]",
        b'{"tx_bytes": "!!!"}',
        b'{"tx_bytes": ""}',
        b'{"tx_bytes": "AAAA", "mode": "BROADCAST_MODE_BLOCK"}',
    ]
    for payload in bad_requests:
        response = requests.post(url, data=payload, timeout=5)
        assert response.status_code == 400
        assert response.json()["code"] == 3
    for query in ("transfer.recipient=", "a.b='x' OR c.d='y'", "tx.height>=x"):
        response = requests.get(url, params={"query": query}, timeout=5)
        assert response.status_code == 400
    assert pokt_wallets[0].send(pokt_wallets[1].address, 1)  # still serving


def test_search_by_recipient_with_height_filter_order_and_pages(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    alice, bob, carol = pokt_wallets[0], pokt_wallets[1], pokt_wallets[2]
    hashes = [alice.send(bob.address, 100 + i) for i in range(5)]
    carol.send(alice.address, 1)  # to someone else: never in bob's results
    query = f"transfer.recipient='{bob.address}' AND tx.height>=3"
    ascending = _search(pokt_sim, query=query, order_by="ORDER_BY_ASC", page="1", limit="3")
    assert ascending["total"] == "4"
    assert ascending["pagination"] is None
    assert [r["txhash"] for r in ascending["tx_responses"]] == hashes[1:4]
    assert len(ascending["txs"]) == 3
    second = _search(pokt_sim, query=query, order_by="ORDER_BY_ASC", page="2", limit="3")
    assert [r["txhash"] for r in second["tx_responses"]] == hashes[4:]
    descending = _search(pokt_sim, query=query, order_by="ORDER_BY_DESC", limit="2")
    assert [r["txhash"] for r in descending["tx_responses"]] == hashes[4:2:-1]
    legacy = _search(pokt_sim, events=f"transfer.recipient='{bob.address}'")
    assert legacy["total"] == "5"
    ranged = _search(pokt_sim, query=f"transfer.sender='{alice.address}' AND tx.height<=3")
    assert [r["txhash"] for r in ranged["tx_responses"]] == hashes[:2]
    exact = _search(pokt_sim, query="tx.height=4")
    assert [r["txhash"] for r in exact["tx_responses"]] == [hashes[2]]
    beyond = requests.get(
        pokt_sim.url + "/cosmos/tx/v1beta1/txs", params={"query": query, "page": "9"}, timeout=5
    )
    assert beyond.status_code == 500
    assert "page should be within" in beyond.json()["message"]


def test_wallet_send_raises_on_refusal(pokt_wallets: list[DevnetWallet]) -> None:
    with pytest.raises(ChainError, match="code 12"):
        pokt_wallets[0].send(pokt_wallets[1].address, 1, memo="y" * 300)


def test_an_authz_exec_of_the_signers_own_send_runs_it_with_authz_events(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    # Given Alice's MsgSend to Bob wrapped in a MsgExec she executes herself (no grant needed)
    alice, bob = pokt_wallets[0], pokt_wallets[1]

    # When it is sent
    tx_hash = alice.send_through_authz(bob.address, 7_000, memo="through authz")

    # Then Bob is paid and the tx reads as the SDK shows it: the inner message inline under
    # msgs, the inner transfer tagged with authz_msg_index
    assert bob.balance() == POKT_USER_BALANCE + 7_000
    found = requests.get(f"{pokt_sim.url}/cosmos/tx/v1beta1/txs/{tx_hash}", timeout=5).json()
    (message,) = found["tx"]["body"]["messages"]
    assert (message["@type"], message["grantee"]) == (
        "/cosmos.authz.v1beta1.MsgExec",
        alice.address,
    )
    assert message["msgs"][0]["@type"] == "/cosmos.bank.v1beta1.MsgSend"
    assert message["msgs"][0]["from_address"] == alice.address
    transfers = [
        {a["key"]: a["value"] for a in e["attributes"]}
        for e in found["tx_response"]["events"]
        if e["type"] == "transfer"
    ]
    assert {
        "recipient": bob.address,
        "sender": alice.address,
        "amount": "7000upokt",
        "authz_msg_index": "0",
        "msg_index": "0",
    } in transfers


def test_an_authz_exec_of_another_accounts_send_fails_without_a_grant(
    pokt_wallets: list[DevnetWallet],
) -> None:
    # Given Bob executing, through authz, a MsgSend of Alice's (the simulator keeps no grants)
    alice, bob = pokt_wallets[0], pokt_wallets[1]
    inner = msg_send(alice.address, bob.address, 7_000)
    exec_msg = packed(
        "/cosmos.authz.v1beta1.MsgExec", authz_tx_pb2.MsgExec(grantee=bob.address, msgs=[inner])
    )

    # When it is sent
    outcome = bob.submit([exec_msg])

    # Then it fails in its block like a missing grant, and Alice keeps her coins
    assert outcome.code == 2
    assert "authorization not found" in outcome.raw_log
    assert alice.balance() == POKT_USER_BALANCE
