"""The Copper simulator: platform authentication, orders, CUO co-signing, broadcast to the
Pocket simulator and anvil, and its test hooks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fixtures.copper import (
    COPPER_POKT_FEE,
    COPPER_PORTFOLIO,
    COPPER_THRESHOLD,
    CopperEnv,
    CopperNode,
    CopperSimFactory,
    copper_headers,
    copper_pokt_vault,
    wait_for,
)
from tests.fixtures.pokt import POKT_CHAIN_ID
from wpokt_devnet.copper_sim.launcher import CopperSimProcess
from wpokt_devnet.copper_sim.shards import ShardFileError, read_shard_file, write_shard_file
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of

ORDERS = "/platform/orders"


@pytest.fixture
def copper(copper_sim_factory: CopperSimFactory) -> CopperEnv:
    """A simulator without chains: authentication and order bookkeeping only."""
    return copper_sim_factory()


def _order_body(recipient: str) -> dict[str, Any]:
    return {
        "externalOrderId": "burn:0xabc:0",
        "orderType": "withdraw",
        "baseCurrency": "POKT",
        "portfolioId": COPPER_PORTFOLIO,
        "amount": "1.500000",
        "toAddress": recipient,
        "blockchainTransactionType": "send",
    }


def _pokt_order(env: CopperEnv, recipient: str, **fields: Any) -> dict[str, Any]:
    extra = {"mainCurrency": "POKT", "memo": "burn:0xabc:0", "description": "wPOKT burn payout"}
    return env.create(**{**_order_body(recipient), **extra, **fields})


def _sign_all(env: CopperEnv, order: dict[str, Any], nodes: range) -> None:
    for node in nodes:
        assert env.sign_and_wait(node, order)["status"] == "completed"


def _wallet(env: CopperEnv, signer: LocalKeySigner) -> DevnetWallet:
    assert env.pokt_sim is not None
    return DevnetWallet(signer, env.pokt_sim.url, chain_id=POKT_CHAIN_ID)


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret": "not the secret"}, "invalid-signature"),
        ({"sent_path": ORDERS + "?externalOrderId=x"}, "invalid-signature"),  # signed ORDERS
        ({"timestamp_ms": 1000}, "timestamp-expired"),
        ({"timestamp_ms": "soon"}, "timestamp-expired"),
        ({"Authorization": "ApiKey unknown-key"}, "unauthorized"),
        ({"Authorization": "Bearer x"}, "unauthorized"),
        ({"Authorization": None}, "unauthorized"),
    ],
)
def test_given_a_request_not_authentic_now_when_sent_then_401_with_the_reason(
    copper: CopperEnv, change: dict[str, Any], code: str
) -> None:
    node = copper.nodes[0]
    secret = change.get("secret", node.api_secret)
    headers = copper_headers(node.api_key, secret, "GET", ORDERS, b"")
    if "timestamp_ms" in change:
        stamp = change["timestamp_ms"]
        headers = copper_headers(node.api_key, secret, "GET", ORDERS, b"", timestamp_ms=stamp)
    if "Authorization" in change:
        headers.pop("Authorization")
        headers.update(
            {"Authorization": change["Authorization"]} if change["Authorization"] else {}
        )
    url = copper.platform_url + change.get("sent_path", ORDERS)
    response = requests.get(url, headers=headers, timeout=5)
    assert (response.status_code, response.json()["error"]) == (401, code)


def test_given_the_documented_example_body_when_signed_then_it_authenticates(
    copper: CopperEnv,
) -> None:
    body = b'{"orderType":"withdraw","amount":"1.0"}'
    node = copper.nodes[0]
    headers = copper_headers(node.api_key, node.api_secret, "POST", ORDERS, body)
    response = requests.post(copper.platform_url + ORDERS, data=body, headers=headers, timeout=5)
    assert response.status_code == 400  # authenticated; the body lacks fields
    assert response.json()["error"] == "validation-error"
    assert "externalOrderId" in response.json()["message"]


# --- orders ---------------------------------------------------------------------------------


def test_given_an_order_when_its_external_id_is_created_again_then_409_and_one_order(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    recipient = pokt_address_of(pokt_users[1].public_key)
    first = _pokt_order(copper_pokt_env, recipient)
    assert first["status"] == "co-sign-require"
    assert first["extra"]["coSignersNumber"] == str(COPPER_THRESHOLD)
    assert first["extra"]["transactionRequest"]["orderId"] == first["orderId"]
    again = copper_pokt_env.request("POST", ORDERS, {**_order_body(recipient), "amount": "2"})
    assert (again.status_code, again.json()["error"]) == (409, "duplicate-external-order-id")
    query = f"{ORDERS}?externalOrderId=burn:0xabc:0&portfolioId={COPPER_PORTFOLIO}"
    found = copper_pokt_env.request("GET", query).json()["orders"]
    assert [o["orderId"] for o in found] == [first["orderId"]]
    assert copper_pokt_env.hook("GET", "/_sim/stats")["duplicates"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "1.0000001"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"orderType": "deposit"}, "orderType"),
        ({"portfolioId": "other"}, "portfolioId"),
        ({"baseCurrency": "ETH", "blockchainTransactionType": "smart-call"}, "baseCurrency"),
        ({"blockchainTransactionType": "smart-call"}, "blockchainTransactionType"),
        ({"toAddress": "0x0000000000000000000000000000000000000001"}, "toAddress"),
        ({"externalOrderId": "has space"}, "externalOrderId"),
        ({"externalOrderId": None}, "externalOrderId"),
    ],
)
def test_given_an_invalid_body_when_created_then_400_names_the_field_and_nothing_exists(
    copper_pokt_env: CopperEnv,
    pokt_users: list[LocalKeySigner],
    change: dict[str, Any],
    field: str,
) -> None:
    body = {**_order_body(pokt_address_of(pokt_users[1].public_key)), **change}
    response = copper_pokt_env.request("POST", ORDERS, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "validation-error"
    assert response.json()["message"].startswith(field)
    assert copper_pokt_env.hook("GET", "/_sim/orders")["orders"] == []


def test_given_an_unknown_order_when_read_then_404_not_found(copper: CopperEnv) -> None:
    response = copper.request("GET", f"{ORDERS}/no-such-order")
    assert (response.status_code, response.json()["error"]) == (404, "not-found")


# --- POKT send: co-signing and broadcast ----------------------------------------------------


def test_given_a_pokt_order_when_nine_distinct_shards_sign_then_it_pays_exactly_once(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    recipient = _wallet(env, pokt_users[1])
    vault = _wallet(env, copper_pokt_vault())
    before, vault_before = recipient.balance(), vault.balance()
    order = _pokt_order(env, recipient.address)
    order_id = order["orderId"]

    _sign_all(env, order, range(COPPER_THRESHOLD - 1))
    assert env.sign_and_wait(0, order)["status"] == "completed"  # the same shard again
    part = env.order(order_id)
    assert part["status"] == "part-signed-tx-added"
    assert len(part["extra"]["coSigners"]) == COPPER_THRESHOLD - 1
    assert recipient.balance() == before
    assert vault.account()[1] == 0  # the vault never signed a tx

    _sign_all(env, order, range(COPPER_THRESHOLD - 1, COPPER_THRESHOLD))
    done = env.wait_status(order_id, "executed", "error")
    assert done["status"] == "executed", done["extra"]["errorDescription"]
    assert recipient.balance() == before + 1_500_000
    assert vault.balance() == vault_before - 1_500_000 - COPPER_POKT_FEE
    txhash = done["extra"]["transactionId"]
    assert len(txhash) == 64
    assert txhash == txhash.upper()
    assert env.pokt_sim is not None
    tx = requests.get(f"{env.pokt_sim.url}/cosmos/tx/v1beta1/txs/{txhash}", timeout=5).json()
    assert tx["tx"]["body"]["memo"] == "burn:0xabc:0"
    stats = env.hook("GET", "/_sim/stats")
    assert (stats["creates"], stats["broadcasts"]) == (1, 1)
    late = env.sign_and_wait(COPPER_THRESHOLD, order)
    assert late["status"] == "error"
    assert "invalid-part-signature" in late["message"]


def test_given_a_tampered_sign_request_when_a_cuo_signs_the_original_then_it_is_refused(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    order = _pokt_order(env, pokt_address_of(pokt_users[1].public_key))
    assert env.sign_and_wait(0, order)["status"] == "completed"
    thief = pokt_address_of(pokt_users[3].public_key)
    env.hook(
        "POST",
        "/_sim/tamper",
        {"orderId": order["orderId"], "set": {"extra.transactionRequest.toAddress": thief}},
    )
    refused = env.sign_and_wait(1, order)  # CUO signs the request the node expected
    assert refused["status"] == "error"
    assert "invalid-part-signature" in refused["message"]
    tampered = env.order(order["orderId"])
    assert tampered["extra"]["coSigners"] == [env.nodes[0].shard_id]
    assert env.sign_and_wait(2, tampered)["status"] == "completed"
    assert env.order(order["orderId"])["extra"]["coSigners"] == [env.nodes[2].shard_id]


def test_given_top_level_fields_changed_when_broadcast_then_only_the_signed_request_is_paid(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    recipient, other = _wallet(env, pokt_users[1]), _wallet(env, pokt_users[2])
    before, other_before = recipient.balance(), other.balance()
    order = _pokt_order(env, recipient.address, amount="0.000007")
    changes = {"amount": "900", "extra.toAddress": other.address, "extra.memo": "x"}
    env.hook("POST", "/_sim/tamper", {"orderId": order["orderId"], "set": changes})
    _sign_all(env, order, range(COPPER_THRESHOLD))
    done = env.wait_status(order["orderId"], "executed", "error")
    assert done["status"] == "executed"
    assert (recipient.balance(), other.balance()) == (before + 7, other_before)


def test_given_a_memo_the_chain_refuses_when_fully_signed_then_the_order_is_error(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    order = _pokt_order(env, pokt_address_of(pokt_users[1].public_key), memo="m" * 300)
    _sign_all(env, order, range(COPPER_THRESHOLD))
    failed = env.wait_status(order["orderId"], "executed", "error")
    assert failed["status"] == "error"
    assert "maximum number of characters" in failed["extra"]["errorDescription"]


def test_given_broadcast_held_when_fully_signed_then_it_waits_until_released(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    recipient = _wallet(env, pokt_users[1])
    before = recipient.balance()
    assert env.hook("POST", "/_sim/faults", {"hold_broadcast": True})["hold_broadcast"] is True
    order = _pokt_order(env, recipient.address)
    _sign_all(env, order, range(COPPER_THRESHOLD))
    assert env.order(order["orderId"])["status"] == "full-signed-tx-added"
    assert recipient.balance() == before
    env.hook("POST", "/_sim/faults", {"hold_broadcast": False})
    assert env.wait_status(order["orderId"], "executed", "error")["status"] == "executed"
    assert recipient.balance() == before + 1_500_000


def test_given_a_part_signed_order_when_canceled_then_it_takes_no_signature(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    order = _pokt_order(env, pokt_address_of(pokt_users[1].public_key))
    _sign_all(env, order, range(2))
    cancel = {"Content-Type": "application/vnd.cancel-order+json"}
    response = env.request("PATCH", f"{ORDERS}/{order['orderId']}", {}, headers=cancel)
    assert (response.status_code, response.json()["status"]) == (200, "canceled")
    assert env.sign_and_wait(3, order)["status"] == "error"
    again = env.request("PATCH", f"{ORDERS}/{order['orderId']}", {}, headers=cancel)
    assert (again.status_code, again.json()["error"]) == (409, "invalid-status")


# --- CUO ------------------------------------------------------------------------------------


def test_given_a_wrong_key_password_when_signing_then_the_cuo_reports_error(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    order = _pokt_order(env, pokt_address_of(pokt_users[1].public_key))
    status = env.sign_and_wait(0, order, keyPassword="guess-1234")
    assert status["status"] == "error"
    assert "wrong password" in status["message"]
    assert "guess-1234" not in status["message"]
    assert env.order(order["orderId"])["status"] == "co-sign-require"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"keyFilename": "../node-2/x.json"}, "keyFilename"),
        ({"keyFilename": "missing.json"}, "not found"),
    ],
)
def test_given_a_bad_key_file_when_signing_then_the_cuo_reports_which(
    copper_pokt_env: CopperEnv,
    pokt_users: list[LocalKeySigner],
    overrides: dict[str, str],
    expected: str,
) -> None:
    env = copper_pokt_env
    order = _pokt_order(env, pokt_address_of(pokt_users[1].public_key))
    status = env.sign_and_wait(0, order, **overrides)
    assert status["status"] == "error"
    assert expected in status["message"]


def test_given_an_invalid_sign_async_body_then_400_and_an_unknown_id_is_404(
    copper: CopperEnv,
) -> None:
    fake = {"extra": {"transactionRequest": {"transactionRequestId": "t-1", "orderId": "o"}}}
    response = copper.sign(0, fake, transactionRequestId="t-2")
    assert (response.status_code, response.json()["error"]) == (400, "validation-error")
    assert copper.sign(0, fake, apiKey=None).status_code == 400
    url = copper.sim.cuo_urls[copper.nodes[0].node_id]
    unknown = requests.get(f"{url}/sign-async/t-9", timeout=5)
    assert (unknown.status_code, unknown.json()) == (404, {"error": "not-found"})


def test_given_a_shard_file_then_only_its_password_opens_it(tmp_path: Path) -> None:
    path = write_shard_file(tmp_path / "s.json", "shard-a", bytes(range(32)), "pw")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert read_shard_file(path, "pw") == ("shard-a", bytes(range(32)))
    with pytest.raises(ShardFileError, match="wrong password"):
        read_shard_file(path, "other")


# --- ETH smart-call -------------------------------------------------------------------------


def _mint_order(env: CopperEnv, recipient: str, amount: int, nonce: int) -> dict[str, Any]:
    assert env.eth is not None
    calldata = env.eth.token.encode("mint", recipient, amount, nonce)
    return env.create(
        externalOrderId=f"mint:{recipient}:{nonce}",
        orderType="withdraw",
        baseCurrency="ETH",
        mainCurrency="ETH",
        portfolioId=COPPER_PORTFOLIO,
        amount="0",
        toAddress=env.eth.token.address,
        blockchainTransactionType="smart-call",
        payload="0x" + calldata.hex(),
    )


@pytest.mark.eth
def test_given_a_mint_smart_call_when_fully_signed_then_the_recipient_is_minted(
    copper_eth_env: CopperEnv,
) -> None:
    eth = copper_eth_env.eth
    assert eth is not None
    recipient = eth.holder_address
    before, nonce = eth.token.balance_of(recipient), eth.token.get_user_nonce(recipient) + 1
    order = _mint_order(copper_eth_env, recipient, 2_500_000, nonce)
    _sign_all(copper_eth_env, order, range(COPPER_THRESHOLD))
    done = copper_eth_env.wait_status(order["orderId"], "executed", "error")
    assert done["status"] == "executed", done["extra"]["errorDescription"]
    assert eth.token.balance_of(recipient) == before + 2_500_000
    receipt = eth.client.receipt(done["extra"]["transactionId"])
    assert receipt is not None
    assert receipt.status == 1


@pytest.mark.eth
def test_given_a_mint_with_a_wrong_nonce_when_broadcast_then_the_order_is_error_reverted(
    copper_eth_env: CopperEnv,
) -> None:
    eth = copper_eth_env.eth
    assert eth is not None
    order = _mint_order(copper_eth_env, eth.holder_address, 1, nonce=99)
    _sign_all(copper_eth_env, order, range(COPPER_THRESHOLD))
    failed = copper_eth_env.wait_status(order["orderId"], "executed", "error")
    assert failed["status"] == "error"
    assert failed["extra"]["errorDescription"].startswith("reverted")
    assert failed["extra"]["transactionId"].startswith("0x")


# --- fault hooks and the child process ------------------------------------------------------


def test_given_commit_then_fail_when_an_order_is_created_then_it_exists_despite_the_503(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    body = _order_body(pokt_address_of(pokt_users[1].public_key))
    env.hook("POST", "/_sim/faults", {"commit_then_fail_next": 1})
    lost = env.request("POST", ORDERS, body)
    assert (lost.status_code, lost.json()["error"]) == (503, "unavailable")
    found = env.request("GET", f"{ORDERS}?externalOrderId=burn:0xabc:0").json()["orders"]
    assert len(found) == 1
    assert found[0]["status"] == "co-sign-require"
    retry = env.request("POST", ORDERS, body)
    assert (retry.status_code, retry.json()["error"]) == (409, "duplicate-external-order-id")


def test_given_fail_next_when_an_order_is_created_then_nothing_is_created(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    body = _order_body(pokt_address_of(pokt_users[1].public_key))
    env.hook("POST", "/_sim/faults", {"fail_next": 1, "status": 502})
    assert env.request("POST", ORDERS, body).status_code == 502
    assert env.hook("GET", "/_sim/orders")["orders"] == []
    assert env.request("POST", ORDERS, body).status_code == 201


def test_given_a_delay_when_the_client_gives_up_then_the_request_still_acts(
    copper_pokt_env: CopperEnv, pokt_users: list[LocalKeySigner]
) -> None:
    env = copper_pokt_env
    body = _order_body(pokt_address_of(pokt_users[1].public_key))
    env.hook("POST", "/_sim/faults", {"delay_next_s": 0.6, "count": 1})
    with pytest.raises(requests.Timeout):
        env.request("POST", ORDERS, body, timeout_s=0.2)
    wait_for("the delayed create", lambda: len(env.hook("GET", "/_sim/orders")["orders"]) == 1)
    assert env.hook("GET", "/_sim/stats")["creates"] == 1


def test_given_the_child_process_then_it_serves_its_ready_urls_and_stops_on_sigterm(
    copper_sim_process: tuple[CopperSimProcess, list[CopperNode]],
) -> None:
    process, nodes = copper_sim_process
    assert set(process.cuo_urls) == {n.node_id for n in nodes}
    node = nodes[0]
    headers = copper_headers(node.api_key, node.api_secret, "GET", ORDERS, b"")
    response = requests.get(process.platform_url + ORDERS, headers=headers, timeout=5)
    assert (response.status_code, response.json()) == (200, {"orders": []})
    pid = process.pid
    assert pid is not None
    process.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
