"""PocketClient against a scripted local HTTP server: SDK JSON shapes and failure modes."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.unit.pokt.scripted_http import Request, ScriptedServer
from wpokt_node.errors import ChainError
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.multisig import MULTISIG_PUBKEY_TYPE_URL, MultisigPubKey

pytestmark = pytest.mark.pokt

KEYS = [LocalKeySigner(bytes([i + 1]) * 32).public_key for i in range(3)]
VAULT_KEY = MultisigPubKey.create(2, KEYS)
VAULT = VAULT_KEY.address()
USER = pokt_address_of(LocalKeySigner(b"\x09" * 32).public_key)
HASH = "AB" * 32
NOT_FOUND = (404, {"code": 5, "message": f"tx not found: {HASH}", "details": []})


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
def client(server: ScriptedServer) -> Iterator[PocketClient]:
    pocket = PocketClient(server.url, timeout_s=2, retries=3, backoff_s=0.01, max_backoff_s=0.02)
    yield pocket
    pocket.close()


def _tx_response(height: int, index: int, with_tx: bool = True) -> dict[str, Any]:
    response: dict[str, Any] = {
        "height": str(height),
        "txhash": f"{height:032X}{index:032X}",
        "code": 0,
        "raw_log": "",
    }
    if with_tx:
        response["tx"] = {
            "@type": "/cosmos.tx.v1beta1.Tx",
            "body": {
                "messages": [{"@type": "/pocket.unknown.v1.MsgNew", "foo": "bar"}],
                "memo": "",
            },
        }
    return response


def test_latest_block(server: ScriptedServer, client: PocketClient) -> None:
    server.on(
        "GET",
        "/cosmos/base/tendermint/v1beta1/blocks/latest",
        (200, {"block_id": {}, "sdk_block": {"header": {"chain_id": "pocket", "height": "77"}}}),
    )
    assert client.chain_id() == "pocket"
    assert client.latest_height() == 77


def test_multisig_account(server: ScriptedServer, client: PocketClient) -> None:
    pub_key = {
        "@type": MULTISIG_PUBKEY_TYPE_URL,
        "threshold": 2,
        "public_keys": [
            {"@type": "/cosmos.crypto.secp256k1.PubKey", "key": base64.b64encode(k).decode()}
            for k in VAULT_KEY.public_keys
        ],
    }
    server.on(
        "GET",
        f"/cosmos/auth/v1beta1/accounts/{VAULT}",
        (
            200,
            {
                "account": {
                    "@type": "/cosmos.auth.v1beta1.BaseAccount",
                    "address": VAULT,
                    "pub_key": pub_key,
                    "account_number": "12",
                    "sequence": "34",
                }
            },
        ),
    )
    account = client.account(VAULT)
    assert account is not None
    assert (account.account_number, account.sequence) == (12, 34)
    assert account.pubkey is not None
    assert account.pubkey.is_multisig
    assert account.pubkey.threshold == 2
    assert account.pubkey.keys == VAULT_KEY.public_keys


def test_wrapped_and_missing_accounts(server: ScriptedServer, client: PocketClient) -> None:
    server.on(
        "GET",
        f"/cosmos/auth/v1beta1/accounts/{USER}",
        (
            200,
            {
                "account": {
                    "@type": "/cosmos.vesting.v1beta1.DelayedVestingAccount",
                    "base_vesting_account": {
                        "base_account": {
                            "address": USER,
                            "pub_key": None,
                            "account_number": "3",
                            "sequence": "0",
                        }
                    },
                }
            },
        ),
    )
    server.on(
        "GET",
        f"/cosmos/auth/v1beta1/accounts/{VAULT}",
        (404, {"code": 5, "message": f"account {VAULT} not found", "details": []}),
    )
    user = client.account(USER)
    assert user is not None
    assert user.account_number == 3
    assert user.pubkey is None
    assert client.account(VAULT) is None


def test_404_without_not_found_body_is_an_error(
    server: ScriptedServer, client: PocketClient
) -> None:
    server.on("GET", f"/cosmos/tx/v1beta1/txs/{HASH}", (404, b"<html>404 page</html>"))
    with pytest.raises(ChainError, match="HTTP 404"):
        client.tx(HASH)


def test_auth_params_and_balance(server: ScriptedServer, client: PocketClient) -> None:
    server.on(
        "GET",
        "/cosmos/auth/v1beta1/params",
        (
            200,
            {
                "params": {
                    "max_memo_characters": "256",
                    "tx_sig_limit": "7",
                    "tx_size_cost_per_byte": "10",
                    "sig_verify_cost_ed25519": "590",
                    "sig_verify_cost_secp256k1": "1000",
                }
            },
        ),
    )
    server.on(
        "GET",
        f"/cosmos/bank/v1beta1/balances/{VAULT}/by_denom",
        (200, {"balance": {"denom": "upokt", "amount": "123456789012345678901"}}),
    )
    params = client.auth_params()
    assert (params.tx_sig_limit, params.max_memo_characters) == (7, 256)
    assert client.balance(VAULT) == 123456789012345678901
    assert server.requests[-1].query == [("denom", "upokt")]


def test_tx_found_and_not_found(server: ScriptedServer, client: PocketClient) -> None:
    found = _tx_response(5, 1, with_tx=False)
    found["txhash"] = HASH
    tx = {"body": {"messages": [], "memo": "m"}}
    server.on(
        "GET", f"/cosmos/tx/v1beta1/txs/{HASH}", NOT_FOUND, (200, {"tx": tx, "tx_response": found})
    )
    assert client.tx(HASH.lower()) is None
    response = client.tx(HASH)
    assert response is not None
    assert response["tx"] == tx
    assert response["height"] == "5"


def test_search_pages_ascending_and_keeps_unknown_messages(
    server: ScriptedServer, client: PocketClient
) -> None:
    all_txs = [_tx_response(100 + i // 3, i % 3, with_tx=i % 2 == 0) for i in range(25)]

    def search(request: Request) -> tuple[int, Any]:
        params = dict(request.query)
        assert params["query"] == f"transfer.recipient='{VAULT}' AND tx.height>=100"
        assert params["order_by"] == "ORDER_BY_ASC"
        page, limit = int(params["page"]), int(params["limit"])
        chunk = all_txs[(page - 1) * limit : page * limit]
        txs = [{"body": {"messages": [{"@type": "/x.y.MsgZ"}], "memo": ""}} for _ in chunk]
        return 200, {"txs": txs, "tx_responses": chunk, "pagination": None, "total": "25"}

    server.on("GET", "/cosmos/tx/v1beta1/txs", search)
    results = list(client.search_transfers_to(VAULT, 100, page_size=10))
    assert [r["txhash"] for r in results] == [t["txhash"] for t in all_txs]
    assert all("tx" in r for r in results)
    assert server.count("GET", "/cosmos/tx/v1beta1/txs") == 3


def test_search_sends_only_the_query_parameter(
    server: ScriptedServer, client: PocketClient
) -> None:
    # SDK v0.50+ reads ``query=`` only; an error is the chain's answer, not a cue to retry
    def search(request: Request) -> tuple[int, Any]:
        assert not any(k == "events" for k, _ in request.query)
        return 400, {"code": 3, "message": "query cannot be empty"}

    server.on("GET", "/cosmos/tx/v1beta1/txs", search)
    with pytest.raises(ChainError, match="query cannot be empty"):
        list(client.search_transfers_to(VAULT, 1))
    assert server.count("GET", "/cosmos/tx/v1beta1/txs") == 1


def test_search_refuses_out_of_order_results(server: ScriptedServer, client: PocketClient) -> None:
    responses = [_tx_response(9, 0), _tx_response(8, 0)]
    server.on("GET", "/cosmos/tx/v1beta1/txs", (200, {"tx_responses": responses, "total": "2"}))
    with pytest.raises(ChainError, match="ascending"):
        list(client.search_transfers_to(VAULT, 1))


def test_transient_errors_are_retried(server: ScriptedServer, client: PocketClient) -> None:
    path = "/cosmos/auth/v1beta1/params"
    good = (200, {"params": {"tx_sig_limit": "12", "max_memo_characters": "256"}})
    server.on("GET", path, (503, b"upstream down"), (200, b"<html>garbage</html>"), good)
    with capture_logs() as logs:
        assert client.auth_params().tx_sig_limit == 12
    assert server.count("GET", path) == 3
    assert [entry["event"] for entry in logs] == ["pokt_rest_retry", "pokt_rest_retry"]


def test_a_refusal_the_chain_would_repeat_is_not_retried(
    server: ScriptedServer, client: PocketClient
) -> None:
    path = "/cosmos/tx/v1beta1/txs"
    server.on("GET", path, (500, {"code": 13, "message": "invalid query: bad syntax"}))
    with pytest.raises(ChainError, match="refused the request: invalid query"):
        list(client.search_transfers_to(VAULT, 1))
    assert server.count("GET", path) == 1


def test_retries_are_bounded(server: ScriptedServer, client: PocketClient) -> None:
    server.on("GET", "/cosmos/auth/v1beta1/params", (500, {"code": 14, "message": "boom"}))
    with (
        capture_logs() as logs,
        pytest.raises(ChainError, match="failed after 3 attempts: HTTP 500"),
    ):
        client.auth_params()
    assert server.count("GET", "/cosmos/auth/v1beta1/params") == 3
    assert logs[-1]["event"] == "pokt_rest_failed"
    assert "127.0.0.1" not in str(logs)


def test_client_errors_are_not_retried(server: ScriptedServer, client: PocketClient) -> None:
    server.on("GET", "/cosmos/auth/v1beta1/params", (400, {"code": 3, "message": "bad request"}))
    with pytest.raises(ChainError, match="HTTP 400: bad request"):
        client.auth_params()
    assert server.count("GET", "/cosmos/auth/v1beta1/params") == 1


def test_garbage_shapes_are_chain_errors(server: ScriptedServer, client: PocketClient) -> None:
    server.on("GET", "/cosmos/auth/v1beta1/params", (200, {"params": {"tx_sig_limit": "-1"}}))
    with pytest.raises(ChainError, match="tx_sig_limit"):
        client.auth_params()


def test_connection_refused_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pocket = PocketClient(f"http://127.0.0.1:{port}", retries=2, backoff_s=0.01, max_backoff_s=0.01)
    started = time.monotonic()
    with pytest.raises(ChainError, match="failed after 2 attempts: ConnectionError"):
        pocket.latest_height()
    assert time.monotonic() - started < 5


def test_broadcast_sync(server: ScriptedServer, client: PocketClient) -> None:
    reply = {"tx_response": {"height": "0", "txhash": HASH, "code": 0, "raw_log": "[]"}}
    server.on("POST", "/cosmos/tx/v1beta1/txs", (502, b"bad gateway"), (200, reply))
    result = client.broadcast(b"\x0a\x01\x02")
    assert result.accepted
    assert result.txhash == HASH
    body = server.requests[-1].body
    assert body == {
        "tx_bytes": base64.b64encode(b"\x0a\x01\x02").decode(),
        "mode": "BROADCAST_MODE_SYNC",
    }


def test_broadcast_rejection_code(server: ScriptedServer, client: PocketClient) -> None:
    reply = {"tx_response": {"txhash": HASH, "code": 32, "codespace": "sdk", "raw_log": "sequence"}}
    server.on("POST", "/cosmos/tx/v1beta1/txs", (200, reply))
    result = client.broadcast(b"x")
    assert (result.accepted, result.code, result.codespace) == (False, 32, "sdk")


def test_wait_for_tx(server: ScriptedServer, client: PocketClient) -> None:
    found = {"tx_response": {**_tx_response(9, 0), "txhash": HASH}}
    server.on("GET", f"/cosmos/tx/v1beta1/txs/{HASH}", NOT_FOUND, NOT_FOUND, (200, found))
    response = client.wait_for_tx(HASH, timeout_s=5, poll_s=0.01)
    assert response is not None
    assert response["txhash"] == HASH
    server.on("GET", f"/cosmos/tx/v1beta1/txs/{HASH}", NOT_FOUND)
    assert client.wait_for_tx(HASH, timeout_s=0.05, poll_s=0.01) is None


def test_repr_hides_the_endpoint() -> None:
    assert "secret" not in repr(PocketClient("https://rpc.example/secret-key"))
