"""What a node asks Copper for, and what it refuses to co-sign."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils.crypto import keccak

from wpokt_node.custody.copper.orders import (
    SEND,
    SMART_CALL,
    CopperOrder,
    CopperOrderError,
    OrderRequest,
    external_order_id,
    mint_payload,
    parse_pokt_decimal,
    pokt_decimal,
)
from wpokt_node.errors import ValidationError

RECIPIENT = "pokt1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du"


def _release() -> OrderRequest:
    return OrderRequest(
        external_order_id=external_order_id("burn", "eth:0xabc:0"),
        portfolio_id="vault",
        currency="POKT",
        amount=pokt_decimal(1_980_000),
        to_address=RECIPIENT,
        memo="burn:0x" + "ab" * 32 + ":0",
        transaction_type=SEND,
    )


def _shown(request: OrderRequest, **changes: Any) -> CopperOrder:
    """The order as an honest Copper would show it, with ``changes`` (dotted paths)."""
    body = request.body()
    sign_request = {
        "transactionRequestId": "tr-1", "orderId": "o-1", "currency": request.currency,
        "toAddress": request.to_address, "amount": request.amount, "memo": request.memo,
        "payload": request.payload, "blockchainTransactionType": request.transaction_type,
    }  # fmt: skip
    data: dict[str, Any] = {
        "orderId": "o-1", "externalOrderId": body["externalOrderId"], "portfolioId": "vault",
        "orderType": "withdraw", "status": "co-sign-require", "baseCurrency": request.currency,
        "amount": request.amount,
        "extra": {
            "toAddress": request.to_address, "memo": request.memo, "payload": request.payload,
            "blockchainTransactionType": request.transaction_type, "coSigners": [],
            "coSignersNumber": "9", "transactionRequest": sign_request,
        },
    }  # fmt: skip
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for name in parents:
            target = target[name]
        target[last] = value
    return CopperOrder.from_json(data)


def test_given_base_units_when_written_for_copper_then_exact_both_ways() -> None:
    for upokt, text in ((0, "0.000000"), (1, "0.000001"), (1_500_000, "1.500000"),
                        (10**24 + 7, "1000000000000000000.000007")):  # fmt: skip
        assert pokt_decimal(upokt) == text
        assert parse_pokt_decimal(text) == upokt
    assert parse_pokt_decimal("2") == 2_000_000
    assert parse_pokt_decimal("2.5") == 2_500_000


@pytest.mark.parametrize("bad", ["1.0000001", "-1", "1e6", "", " 1", 1.5, None, "0x10"])
def test_given_an_inexact_amount_when_parsed_then_refused(bad: object) -> None:
    with pytest.raises(CopperOrderError):
        parse_pokt_decimal(bad)


def test_given_one_source_event_when_ids_are_derived_then_they_are_stable_and_distinct() -> None:
    assert external_order_id("burn", "eth:0xabc:0") == external_order_id("burn", "eth:0xabc:0")
    assert external_order_id("burn", "eth:0xabc:0") != external_order_id("burn", "eth:0xabc:1")
    assert external_order_id("burn", "x") != external_order_id("refund", "x")


def test_given_a_mint_when_encoded_then_it_is_the_abi_call_of_mint() -> None:
    payload = bytes.fromhex(mint_payload("0x" + "11" * 20, 5_000_000, 3).removeprefix("0x"))
    assert payload[:4] == keccak(text="mint(address,uint256,uint256)")[:4]
    assert payload[4:36] == bytes(12) + bytes.fromhex("11" * 20)
    assert int.from_bytes(payload[36:68], "big") == 5_000_000
    assert int.from_bytes(payload[68:100], "big") == 3
    assert len(payload) == 100


def test_given_copper_shows_the_payout_when_compared_then_it_matches() -> None:
    request = _release()
    assert request.mismatch(_shown(request)) is None
    assert request.mismatch(_shown(request, amount="1.98")) is None  # the same decimal


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("amount", "1.980001"),
        ("extra.toAddress", "pokt1" + "z" * 38),
        ("extra.memo", "refund:" + "AB" * 32),
        ("externalOrderId", "wpokt-burn-other"),
        ("portfolioId", "other"),
        ("baseCurrency", "ETH"),
        ("extra.blockchainTransactionType", SMART_CALL),
        ("extra.transactionRequest.amount", "100.000000"),
        ("extra.transactionRequest.toAddress", "pokt1" + "z" * 38),
        ("extra.transactionRequest.memo", ""),
        ("extra.transactionRequest.orderId", "o-2"),
    ],
)
def test_given_copper_shows_another_payout_when_compared_then_the_node_refuses(
    path: str, value: str
) -> None:
    request = _release()
    reason = request.mismatch(_shown(request, **{path: value}))
    assert reason is not None
    assert "expects" in reason


def test_given_a_smart_call_when_its_payload_differs_then_the_node_refuses() -> None:
    request = OrderRequest(
        external_order_id=external_order_id("mint", "31337:0xabc:1"),
        portfolio_id="vault",
        currency="ETH",
        amount="0",
        to_address="0x" + "22" * 20,
        memo="",
        transaction_type=SMART_CALL,
        payload=mint_payload("0x" + "11" * 20, 5, 1),
    )
    assert request.mismatch(_shown(request)) is None
    other = mint_payload("0x" + "11" * 20, 6, 1)
    assert request.mismatch(_shown(request, **{"extra.transactionRequest.payload": other}))
    assert request.mismatch(_shown(request, **{"extra.payload": other}))


def test_given_garbage_when_read_as_an_order_then_a_clear_error() -> None:
    garbage: list[object] = [
        None,
        [],
        {"orderId": "o"},
        {"orderId": 1, "externalOrderId": "e", "status": "x"},
        {"orderId": "o", "externalOrderId": "e", "status": "x", "extra": {"coSigners": "all"}},
    ]
    for data in garbage:
        with pytest.raises(CopperOrderError):
            CopperOrder.from_json(data)


def test_given_a_bad_external_id_when_requested_then_refused() -> None:
    with pytest.raises(ValidationError):
        OrderRequest("has space", "p", "POKT", "1.0", RECIPIENT, "", SEND)


@pytest.mark.parametrize("field", ["value", "fee", "fromAddress", "nonce"])
def test_given_a_sign_request_with_a_field_the_node_cannot_check_then_it_refuses(
    field: str,
) -> None:
    request = _release()
    reason = request.mismatch(_shown(request, **{f"extra.transactionRequest.{field}": "1"}))
    assert reason is not None
    assert field in reason
