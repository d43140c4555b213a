"""Validation of a create-order body (Copper docs, "Create order": the fields) and exact
decimal amounts.

Only withdraw orders exist here: POKT ``send`` and ETH ``smart-call`` (the two the bridge
creates, docs/copper.md). Amounts are parsed with integers only: POKT has 6 decimals
(``"1.500000"`` is 1,500,000 upokt) and a smart call's amount is 0 ETH (assumption,
docs/copper.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_utils.address import is_hex_address

from wpokt_devnet.copper_sim.errors import invalid
from wpokt_node.addresses import is_pokt_address

POKT, ETH = "POKT", "ETH"
SEND, SMART_CALL = "send", "smart-call"
WITHDRAW = "withdraw"
DECIMALS = {POKT: 6, ETH: 18}
TRANSACTION_TYPE = {POKT: SEND, ETH: SMART_CALL}

_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_DECIMAL = re.compile(r"^([0-9]{1,40})(?:\.([0-9]{1,40}))?$")
_HEX_DATA = re.compile(r"^0x(?:[0-9a-fA-F]{2})+$")


def parse_units(text: str, decimals: int) -> int:
    """``text`` (a plain decimal string) in the smallest unit; ValueError if it is not one or
    has more than ``decimals`` decimals."""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        raise ValueError(f"{text[:60]!r} is not a plain decimal number")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > decimals:
        raise ValueError(f"{text[:60]!r} has more than {decimals} decimals")
    scale: int = 10**decimals
    return int(whole) * scale + int(fraction.ljust(decimals, "0") or "0")


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated create-order body."""

    external_order_id: str
    portfolio_id: str
    base_currency: str
    main_currency: str | None
    amount: str
    to_address: str
    memo: str | None
    payload: str | None
    transaction_type: str
    description: str | None


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, "is required")
        return None
    if not isinstance(value, str):
        raise invalid(name, "must be a string")
    return value


def _required(body: dict[str, Any], name: str) -> str:
    value = _text(body, name, required=True)
    assert value is not None
    return value


def _check_amount(currency: str, amount: str) -> None:
    try:
        units = parse_units(amount, DECIMALS[currency])
    except ValueError as exc:
        raise invalid("amount", str(exc)) from None
    if currency == POKT and units <= 0:
        raise invalid("amount", "a POKT send must move a positive amount")
    if currency == ETH and units != 0:
        raise invalid("amount", "a smart-call order's amount must be 0")


def _check_pokt(to_address: str, payload: str | None) -> None:
    if not is_pokt_address(to_address):
        raise invalid("toAddress", "not a Pocket address (pokt1…)")
    if payload:
        raise invalid("payload", "only a smart-call order carries a payload")


def _check_eth(to_address: str, memo: str | None, payload: str | None) -> None:
    if not is_hex_address(to_address):
        raise invalid("toAddress", "not an Ethereum address (0x and 40 hex digits)")
    if memo:
        raise invalid("memo", "a smart-call order has no memo")
    if payload is None:
        raise invalid("payload", "is required for a smart-call order")
    if not _HEX_DATA.fullmatch(payload):
        raise invalid("payload", "must be 0x and an even, non-zero number of hex digits")


def validate_create(
    body: dict[str, Any], portfolio_id: str, currencies: frozenset[str]
) -> OrderRequest:
    """The order a create body asks for; PlatformError 400 ``validation-error`` naming the
    first offending field. ``currencies`` are those the simulator can broadcast."""
    external_id = _required(body, "externalOrderId")
    if not _EXTERNAL_ID.fullmatch(external_id):
        raise invalid("externalOrderId", "1 to 128 characters of A-Z a-z 0-9 . _ : -")
    if _required(body, "orderType") != WITHDRAW:
        raise invalid("orderType", f"only {WITHDRAW!r} orders are supported")
    if _required(body, "portfolioId") != portfolio_id:
        raise invalid("portfolioId", "unknown portfolio")
    currency = _required(body, "baseCurrency")
    if currency not in currencies:
        enabled = ", ".join(sorted(currencies)) or "none"
        raise invalid("baseCurrency", f"{currency[:20]!r} is not enabled (enabled: {enabled})")
    transaction_type = _required(body, "blockchainTransactionType")
    if transaction_type != TRANSACTION_TYPE[currency]:
        raise invalid(
            "blockchainTransactionType", f"{currency} orders are {TRANSACTION_TYPE[currency]!r}"
        )
    amount, to_address = _required(body, "amount"), _required(body, "toAddress")
    memo, payload = _text(body, "memo"), _text(body, "payload")
    _check_amount(currency, amount)
    if currency == POKT:
        _check_pokt(to_address, payload)
    else:
        _check_eth(to_address, memo, payload)
    return OrderRequest(
        external_order_id=external_id,
        portfolio_id=portfolio_id,
        base_currency=currency,
        main_currency=_text(body, "mainCurrency"),
        amount=amount,
        to_address=to_address,
        memo=memo,
        payload=payload,
        transaction_type=transaction_type,
        description=_text(body, "description"),
    )


def check_object(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else 400 ``validation-error``."""
    if not isinstance(value, dict):
        raise invalid(what, "must be a JSON object")
    return value
