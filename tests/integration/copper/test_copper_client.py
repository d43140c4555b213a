"""The node's Copper client and co-signer against the Copper simulator: signed requests, one
order per externalOrderId whatever Copper answers, bounded retries, and no co-signature on an
order that is not the payout this node rebuilt."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from tests.fixtures.copper import CopperEnv, CopperNode
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.client import CopperClient, CopperError, CopperUnavailableError
from wpokt_node.custody.copper.cuo import CuoClient
from wpokt_node.custody.copper.orders import (
    SEND,
    CopperOrder,
    OrderRequest,
    external_order_id,
    pokt_decimal,
)
from wpokt_node.errors import NotReadyError, SigningError
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.client import PocketClient
from wpokt_node.secret import Secret

pytestmark = [pytest.mark.pokt]

RECIPIENT = pokt_address_of(LocalKeySigner(b"\x07" * 32).public_key)


def _client(env: CopperEnv, node: CopperNode, **overrides: Any) -> CopperClient:
    arguments: dict[str, Any] = {
        "api_key": Secret(node.api_key),
        "api_secret": Secret(node.api_secret),
        "timeout_s": 2.0,
        "attempts": 3,
        "sleep": lambda _s: None,
        **overrides,
    }
    return CopperClient(env.platform_url, **arguments)


def _account(env: CopperEnv, index: int, password: str | None = None) -> CopperAccount:
    node = env.nodes[index]
    cuo = CuoClient(
        env.sim.cuo_urls[node.node_id],
        key_filename=node.key_filename,
        key_password=Secret(password or node.key_password),
        api_key=Secret(node.api_key),
        api_secret=Secret(node.api_secret),
        timeout_s=2.0,
        attempts=2,
        sign_timeout_s=10.0,
        poll_s=0.05,
    )
    portfolio = env.sim.config.portfolio_id
    return CopperAccount(_client(env, node), cuo, portfolio, 9, node.node_id, node.key_filename)


def _payout(env: CopperEnv, event: str = "eth:0xabc:0", amount: int = 1_990_000) -> OrderRequest:
    return OrderRequest(
        external_order_id=external_order_id("burn", event),
        portfolio_id=env.sim.config.portfolio_id,
        currency="POKT",
        amount=pokt_decimal(amount),
        to_address=RECIPIENT,
        memo="burn:0x" + "ab" * 32 + ":0",
        transaction_type=SEND,
    )


def _orders(env: CopperEnv) -> list[dict[str, Any]]:
    orders = env.hook("GET", "/_sim/orders")["orders"]
    assert isinstance(orders, list)
    return orders


def test_given_a_payout_when_created_twice_then_copper_keeps_one_order(
    copper_pokt_env: CopperEnv,
) -> None:
    client = _client(copper_pokt_env, copper_pokt_env.nodes[0])
    request = _payout(copper_pokt_env)
    first = client.create_order(request)
    again = _client(copper_pokt_env, copper_pokt_env.nodes[5]).create_order(request)
    assert again.order_id == first.order_id
    assert request.mismatch(again) is None
    assert len(_orders(copper_pokt_env)) == 1
    assert client.find_order(request.external_order_id, request.portfolio_id) == first


def test_given_copper_loses_the_answer_to_a_create_then_the_retry_finds_that_order(
    copper_pokt_env: CopperEnv,
) -> None:
    copper_pokt_env.hook("POST", "/_sim/faults", {"commit_then_fail_next": 2})
    order = _client(copper_pokt_env, copper_pokt_env.nodes[0]).create_order(
        _payout(copper_pokt_env)
    )
    assert [o["orderId"] for o in _orders(copper_pokt_env)] == [order.order_id]


def test_given_copper_unavailable_on_every_attempt_then_a_clear_error_and_no_order(
    copper_pokt_env: CopperEnv,
) -> None:
    copper_pokt_env.hook("POST", "/_sim/faults", {"fail_next": 6, "status": 503})
    client = _client(copper_pokt_env, copper_pokt_env.nodes[0])
    with pytest.raises(CopperUnavailableError, match="HTTP 503"):
        client.create_order(_payout(copper_pokt_env))
    assert _orders(copper_pokt_env) == []
    client.create_order(_payout(copper_pokt_env))  # the faults are used up
    assert len(_orders(copper_pokt_env)) == 1


def test_given_a_slow_copper_then_timeouts_are_retried_and_make_one_order(
    copper_pokt_env: CopperEnv,
) -> None:
    copper_pokt_env.hook("POST", "/_sim/faults", {"delay_next_s": 1.5, "count": 2})
    client = _client(copper_pokt_env, copper_pokt_env.nodes[0], timeout_s=0.5, attempts=4)
    order = client.create_order(_payout(copper_pokt_env))
    assert [o["orderId"] for o in _orders(copper_pokt_env)] == [order.order_id]


def test_given_a_wrong_secret_or_a_skewed_clock_then_copper_refuses_and_nothing_is_created(
    copper_pokt_env: CopperEnv,
) -> None:
    node = copper_pokt_env.nodes[0]
    wrong = _client(copper_pokt_env, node, api_secret=Secret("not-the-secret"))
    with pytest.raises(CopperError) as refused:
        wrong.create_order(_payout(copper_pokt_env))
    assert (refused.value.status, refused.value.code) == (401, "invalid-signature")
    assert "not-the-secret" not in str(refused.value)
    skewed = _client(copper_pokt_env, node, clock_ms=lambda: int(time.time() * 1000) - 120_000)
    with pytest.raises(CopperError) as stale:
        skewed.create_order(_payout(copper_pokt_env))
    assert stale.value.code == "timestamp-expired"
    assert _orders(copper_pokt_env) == []


def test_given_an_order_squatting_the_payouts_id_then_no_node_places_or_signs_it(
    copper_pokt_env: CopperEnv,
) -> None:
    account = _account(copper_pokt_env, 0)
    request = _payout(copper_pokt_env)
    squatter = _payout(copper_pokt_env, amount=500_000_000)  # same id, 250 times the amount
    account.client.create_order(squatter)
    with pytest.raises(NotReadyError, match="not this payout"):
        account.place(request)
    with pytest.raises(SigningError, match="amount"):
        account.cosign(request)
    assert _orders(copper_pokt_env)[0]["extra"]["coSigners"] == []
    assert account.approvals(request) == 0


def test_given_an_order_altered_after_creation_then_the_node_does_not_co_sign(
    copper_pokt_env: CopperEnv,
) -> None:
    account = _account(copper_pokt_env, 0)
    request = _payout(copper_pokt_env)
    order = account.place(request)
    elsewhere = pokt_address_of(LocalKeySigner(b"\x09" * 32).public_key)
    copper_pokt_env.hook(
        "POST",
        "/_sim/tamper",
        {"orderId": order.order_id, "set": {"extra.transactionRequest.toAddress": elsewhere}},
    )
    with pytest.raises(SigningError, match="sign request toAddress"):
        account.cosign(request)
    assert copper_pokt_env.order(order.order_id)["extra"]["coSigners"] == []


def test_given_nine_nodes_co_sign_then_copper_counts_each_shard_once_and_pays_once(
    copper_pokt_env: CopperEnv,
) -> None:
    pokt = copper_pokt_env.pokt_sim
    assert pokt is not None
    request = _payout(copper_pokt_env)
    accounts = [_account(copper_pokt_env, i) for i in range(9)]
    accounts[0].place(request)
    for account in accounts[:8]:
        account.cosign(request)
    accounts[0].cosign(request)  # a second signature of one shard counts once
    assert accounts[0].approvals(request) == 8
    shown = accounts[0].verified(request)
    assert shown is not None
    assert not shown.fully_signed
    accounts[8].cosign(request)
    order = copper_pokt_env.wait_status(shown.order_id, "executed")
    assert accounts[0].approvals(request) >= 9
    assert order["extra"]["transactionId"]
    assert len(_orders(copper_pokt_env)) == 1
    assert PocketClient(pokt.url).balance(RECIPIENT) == 1_990_000


def test_given_a_wrong_shard_password_then_cuo_fails_clearly_and_adds_nothing(
    copper_pokt_env: CopperEnv,
) -> None:
    account = _account(copper_pokt_env, 0, password="wrong-password")
    request = _payout(copper_pokt_env)
    order = account.place(request)
    with pytest.raises(CopperError, match="CUO could not sign") as failed:
        account.cosign(request)
    assert "wrong-password" not in str(failed.value)
    assert copper_pokt_env.order(order.order_id)["extra"]["coSigners"] == []


def test_given_copper_lists_nine_co_signers_below_full_signature_then_it_never_counts_nine(
    copper_pokt_env: CopperEnv,
) -> None:
    account = _account(copper_pokt_env, 0)
    request = _payout(copper_pokt_env)
    order = account.place(request)
    fake = [f"shard-{i}" for i in range(10)]
    copper_pokt_env.hook(
        "POST", "/_sim/tamper", {"orderId": order.order_id, "set": {"extra.coSigners": fake}}
    )
    assert account.approvals(request) == 8  # the threshold (9) only once fully signed


def test_given_an_order_copper_has_not_prepared_for_signing_then_the_node_waits(
    copper_pokt_env: CopperEnv,
) -> None:
    account = _account(copper_pokt_env, 0)
    request = _payout(copper_pokt_env)
    order = account.place(request)
    copper_pokt_env.hook(
        "POST",
        "/_sim/tamper",
        {"orderId": order.order_id, "set": {"extra.transactionRequest": {}}},
    )
    assert account.place(request).order_id == order.order_id  # no "different order" alarm
    with pytest.raises(NotReadyError, match="not prepared"):
        account.cosign(request)


class _LaggingList(CopperClient):
    """Copper's order list misses the newest order once (an index that lags behind)."""

    lagged = False

    def find_order(self, external_order_id: str, portfolio_id: str) -> CopperOrder | None:
        if not self.lagged:
            self.lagged = True
            return None
        return super().find_order(external_order_id, portfolio_id)


def test_given_copper_answers_a_create_with_an_altered_sign_request_then_no_co_signature(
    copper_pokt_env: CopperEnv,
) -> None:
    # Given an order whose sign request a compromised account altered, which the list misses
    honest = _account(copper_pokt_env, 0)
    request = _payout(copper_pokt_env)
    order = honest.place(request)
    elsewhere = pokt_address_of(LocalKeySigner(b"\x0b" * 32).public_key)
    copper_pokt_env.hook(
        "POST",
        "/_sim/tamper",
        {"orderId": order.order_id, "set": {"extra.transactionRequest.toAddress": elsewhere}},
    )
    node = copper_pokt_env.nodes[1]
    lagging = _LaggingList(
        copper_pokt_env.platform_url,
        api_key=Secret(node.api_key),
        api_secret=Secret(node.api_secret),
        timeout_s=2.0,
        attempts=1,
    )
    account = dataclasses.replace(_account(copper_pokt_env, 1), client=lagging)
    # When the node co-signs, it places the order (a duplicate: Copper's answer is that order)
    with pytest.raises(SigningError, match="sign request toAddress"):
        account.cosign(request)
    # Then it checked what CUO would sign, and signed nothing
    assert copper_pokt_env.order(order.order_id)["extra"]["coSigners"] == []
