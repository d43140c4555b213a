"""REST shapes of the Pocket simulator, checked with cosmpy's strict JSON parsers and clients."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from cosmpy.aerial.client import LedgerClient, NetworkConfig
from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.auth.v1beta1 import query_pb2 as auth_query_pb2
from cosmpy.protos.cosmos.bank.v1beta1 import query_pb2 as bank_query_pb2
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as tendermint_query_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import service_pb2
from google.protobuf import json_format

from tests.fixtures.pokt import POKT_USER_BALANCE, PoktSimFactory, pokt_genesis
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of

pytestmark = pytest.mark.pokt


def _get(sim: PoktSimulator, path: str, status: int = 200) -> Any:
    response = requests.get(sim.url + path, timeout=5)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def ledger(sim: PoktSimulator) -> LedgerClient:
    return LedgerClient(
        NetworkConfig(
            chain_id="pocket",
            url=f"rest+{sim.url}",
            fee_minimum_gas_price=0,
            fee_denomination="upokt",
            staking_denomination="upokt",
        )
    )


def test_cosmpy_ledger_client_reads_account_balance_and_height(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    client = ledger(pokt_sim)
    address = Address(pokt_wallets[0].address)
    account = client.query_account(address)
    assert (account.number, account.sequence) == (0, 0)
    assert client.query_bank_balance(address) == POKT_USER_BALANCE
    assert client.query_height() == 1
    pokt_wallets[0].send(pokt_wallets[1].address, 5, fee=1)
    assert client.query_account(address).sequence == 1
    assert client.query_bank_balance(address) == POKT_USER_BALANCE - 6
    assert client.query_height() == 2
    assert client.query_chain_id() == "pocket"


def test_account_params_balance_and_block_shapes(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    user = pokt_wallets[0].address
    body = _get(pokt_sim, f"/cosmos/auth/v1beta1/accounts/{user}")
    assert body == {
        "account": {
            "@type": "/cosmos.auth.v1beta1.BaseAccount",
            "address": user,
            "pub_key": None,
            "account_number": "0",
            "sequence": "0",
        }
    }
    pokt_wallets[0].send(pokt_wallets[1].address, 5)
    body = _get(pokt_sim, f"/cosmos/auth/v1beta1/accounts/{user}")
    assert body["account"]["pub_key"]["@type"] == "/cosmos.crypto.secp256k1.PubKey"
    assert body["account"]["sequence"] == "1"
    json_format.Parse(json.dumps(body), auth_query_pb2.QueryAccountResponse())

    params = _get(pokt_sim, "/cosmos/auth/v1beta1/params")["params"]
    assert params["tx_sig_limit"] == "7"
    assert params["max_memo_characters"] == "256"
    json_format.Parse(json.dumps({"params": params}), auth_query_pb2.QueryParamsResponse())

    balance = _get(pokt_sim, f"/cosmos/bank/v1beta1/balances/{user}/by_denom?denom=upokt")
    assert balance == {"balance": {"denom": "upokt", "amount": str(POKT_USER_BALANCE - 5)}}
    stranger = pokt_address_of(LocalKeySigner(bytes([9]) * 32).public_key)
    empty = _get(pokt_sim, f"/cosmos/bank/v1beta1/balances/{stranger}/by_denom?denom=upokt")
    assert empty == {"balance": {"denom": "upokt", "amount": "0"}}
    every = _get(pokt_sim, f"/cosmos/bank/v1beta1/balances/{user}")
    assert every["balances"] == [{"denom": "upokt", "amount": str(POKT_USER_BALANCE - 5)}]
    json_format.Parse(json.dumps(every), bank_query_pb2.QueryAllBalancesResponse())

    latest = _get(pokt_sim, "/cosmos/base/tendermint/v1beta1/blocks/latest")
    assert latest["block"]["header"]["height"] == "2"
    assert latest["block"]["header"]["chain_id"] == "pocket"
    assert latest["sdk_block"]["header"]["proposer_address"].startswith("poktvalcons1")
    assert len(latest["block"]["data"]["txs"]) == 1
    json_format.Parse(json.dumps(latest), tendermint_query_pb2.GetLatestBlockResponse())
    first = _get(pokt_sim, "/cosmos/base/tendermint/v1beta1/blocks/1")
    assert first["block"]["header"]["height"] == "1"
    assert first["block"]["data"]["txs"] == []
    too_high = _get(pokt_sim, "/cosmos/base/tendermint/v1beta1/blocks/99", 400)
    assert too_high["code"] == 3


def test_not_found_and_invalid_argument_shapes(
    pokt_sim: PoktSimulator, pokt_users: list[LocalKeySigner]
) -> None:
    unknown = pokt_address_of(LocalKeySigner(bytes([7]) * 32).public_key)
    body = _get(pokt_sim, f"/cosmos/auth/v1beta1/accounts/{unknown}", 404)
    assert body == {"code": 5, "message": f"account {unknown} not found", "details": []}
    missing = "AB" * 32
    body = _get(pokt_sim, f"/cosmos/tx/v1beta1/txs/{missing}", 404)
    assert body == {"code": 5, "message": f"tx not found: {missing}", "details": []}
    assert _get(pokt_sim, "/cosmos/auth/v1beta1/accounts/cosmos1xyz", 400)["code"] == 3
    assert _get(pokt_sim, "/cosmos/tx/v1beta1/txs/nothex", 400)["code"] == 3
    assert _get(pokt_sim, "/cosmos/tx/v1beta1/txs", 400)["message"] == "query cannot be empty"
    assert _get(pokt_sim, "/no/such/route", 404)["code"] == 5


def test_get_tx_parses_with_cosmpy_and_has_sdk_events(
    pokt_sim: PoktSimulator, pokt_wallets: list[DevnetWallet]
) -> None:
    sender, recipient = pokt_wallets[0].address, pokt_wallets[1].address
    txhash = pokt_wallets[0].send(recipient, 1234, memo="hello", fee=10)
    body = _get(pokt_sim, f"/cosmos/tx/v1beta1/txs/{txhash}")
    json_format.Parse(json.dumps(body), service_pb2.GetTxResponse())
    response = body["tx_response"]
    assert (response["txhash"], response["code"], response["height"]) == (txhash, 0, "2")
    assert response["tx"]["@type"] == "/cosmos.tx.v1beta1.Tx"
    message = body["tx"]["body"]["messages"][0]
    assert message == {
        "@type": "/cosmos.bank.v1beta1.MsgSend",
        "from_address": sender,
        "to_address": recipient,
        "amount": [{"denom": "upokt", "amount": "1234"}],
    }
    assert body["tx"]["body"]["memo"] == "hello"
    transfers = [
        {a["key"]: a["value"] for a in e["attributes"]}
        for e in response["events"]
        if e["type"] == "transfer"
    ]
    assert {"recipient": recipient, "sender": sender, "amount": "1234upokt", "msg_index": "0"} in (
        transfers
    )
    assert any(t["amount"] == "10upokt" for t in transfers)  # the fee, to the fee collector
    kinds = {e["type"] for e in response["events"]}
    assert {"coin_spent", "coin_received", "transfer", "message", "tx"} <= kinds


def test_timer_mode_produces_blocks(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    sim = pokt_sim_factory(pokt_genesis(pokt_users, block_time_s=0.05))
    wallet = DevnetWallet(pokt_users[0], sim.url)
    outcome = wallet.transfer(pokt_address_of(pokt_users[1].public_key), 10, timeout_s=5)
    assert outcome.code == 0
    assert sim.state.height > outcome.height - 1 >= 1
    height = sim.state.height
    time.sleep(0.3)
    latest = _get(sim, "/cosmos/base/tendermint/v1beta1/blocks/latest")
    assert int(latest["block"]["header"]["height"]) > height  # empty blocks keep coming


def test_control_route_advances_blocks(pokt_sim: PoktSimulator) -> None:
    response = requests.post(pokt_sim.url + "/devnet/blocks", json={"count": 5}, timeout=5)
    assert response.json() == {"height": "6"}
    bad = requests.post(pokt_sim.url + "/devnet/blocks", json={"count": "x"}, timeout=5)
    assert bad.status_code == 400
