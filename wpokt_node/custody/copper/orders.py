"""The Copper orders this node asks for, and how it reads and checks the orders Copper shows.

An ``OrderRequest`` is what a payout must be on Copper: built from the entry's order (itself
rebuilt from this node's RPCs and config), it is the body of the create call and the yardstick
every node holds the order Copper shows against before it co-signs. What Copper broadcasts is
the order's sign request (``extra.transactionRequest``), so that is compared too, field by field
(an assumption of docs/copper.md, kept in this module).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from wpokt_node.errors import ValidationError

POKT_DECIMALS = 6  # assumption: Copper states POKT amounts in POKT with 6 decimals
_UNIT = 1_000_000
SEND = "send"
SMART_CALL = "smart-call"
WITHDRAW = "withdraw"

# Copper's OrderStatus values this back end meets (developer.copper.co, OrderStatus).
SIGNING = frozenset({"new", "working", "co-sign-require", "part-signed-tx-added"})
FULLY_SIGNED = frozenset({"full-signed-tx-added", "processing", "executed"})
ENDED_UNPAID = frozenset({"canceled", "rejected", "declined", "error"})

# Assumption (docs/copper.md): the sign request of an order carries exactly these fields.
SIGN_REQUEST_FIELDS = frozenset({
    "transactionRequestId", "orderId", "currency", "toAddress", "amount", "memo", "payload",
    "blockchainTransactionType",
})  # fmt: skip
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_DECIMAL = re.compile(r"(\d{1,30})(?:\.(\d{1,6}))?")
_MINT_SELECTOR = keccak(text="mint(address,uint256,uint256)")[:4]


class CopperOrderError(ValidationError):
    """Copper answered an order this node cannot read."""


def canonical_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def external_order_id(kind: str, key: str) -> str:
    """Deterministic and unique per payout: Copper keeps one order per id in a portfolio, so
    every node that asks for this payout gets the same order (``kind``: mint, burn, refund)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"wpokt-{kind}-{digest}"


def pokt_decimal(upokt: int) -> str:
    """Base units as Copper's decimal string (no float on the way)."""
    if isinstance(upokt, bool) or not isinstance(upokt, int) or upokt < 0:
        raise ValidationError(f"an amount must be a non-negative integer, got {upokt!r}")
    whole, fraction = divmod(upokt, _UNIT)
    return f"{whole}.{fraction:0{POKT_DECIMALS}d}"


def parse_pokt_decimal(text: object) -> int:
    """Copper's decimal string as base units; CopperOrderError for anything not exact."""
    match = _DECIMAL.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CopperOrderError(f"not a POKT amount with at most 6 decimals: {str(text)[:40]!r}")
    whole: str = match.group(1)
    fraction: str = (match.group(2) or "").ljust(POKT_DECIMALS, "0")
    return int(whole) * _UNIT + int(fraction)


def mint_payload(recipient: str, amount: int, nonce: int) -> str:
    """Calldata of ``mint(recipient, amount, nonce)`` on the wPOKT token, ``0x`` hex."""
    address = bytes.fromhex(recipient.removeprefix("0x"))
    if len(address) != 20 or amount < 0 or nonce < 0:
        raise ValidationError("a mint needs a 20-byte recipient and non-negative numbers")
    words = address.rjust(32, b"\0") + amount.to_bytes(32, "big") + nonce.to_bytes(32, "big")
    return "0x" + (_MINT_SELECTOR + words).hex()


@dataclass(frozen=True, slots=True)
class CopperOrder:
    """An order as Copper shows it: the fields this node checks and acts on."""

    order_id: str
    external_order_id: str
    portfolio_id: str
    order_type: str
    status: str
    base_currency: str
    amount: str
    to_address: str
    memo: str
    payload: str
    transaction_type: str
    co_signers: frozenset[str]
    co_signers_number: int | None
    sign_request: Mapping[str, Any]
    transaction_id: str | None
    error: str | None

    @classmethod
    def from_json(cls, data: object) -> CopperOrder:
        if not isinstance(data, Mapping):
            raise CopperOrderError("an order is not a JSON object")
        extra = data.get("extra") or {}
        if not isinstance(extra, Mapping):
            raise CopperOrderError("an order's extra is not an object")
        signers = extra.get("coSigners") or []
        request = extra.get("transactionRequest") or {}
        if not isinstance(signers, list) or not all(isinstance(s, str) for s in signers):
            raise CopperOrderError("an order's coSigners is not a list of ids")
        if not isinstance(request, Mapping):
            raise CopperOrderError("an order's transactionRequest is not an object")
        return cls(
            order_id=_text(data, "orderId", required=True),
            external_order_id=_text(data, "externalOrderId", required=True),
            portfolio_id=_text(data, "portfolioId"),
            order_type=_text(data, "orderType"),
            status=_text(data, "status", required=True),
            base_currency=_text(data, "baseCurrency"),
            amount=_text(data, "amount"),
            to_address=_text(extra, "toAddress"),
            memo=_text(extra, "memo"),
            payload=_text(extra, "payload"),
            transaction_type=_text(extra, "blockchainTransactionType"),
            co_signers=frozenset(signers),
            co_signers_number=_count(extra.get("coSignersNumber")),
            sign_request=dict(request),
            transaction_id=_text(extra, "transactionId") or None,
            error=_text(extra, "errorDescription") or None,
        )

    @property
    def fully_signed(self) -> bool:
        return self.status in FULLY_SIGNED

    @property
    def ended_unpaid(self) -> bool:
        return self.status in ENDED_UNPAID


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What one payout must be on Copper."""

    external_order_id: str
    portfolio_id: str
    currency: str
    amount: str  # Copper's decimal string
    to_address: str
    memo: str
    transaction_type: str
    payload: str = ""

    def __post_init__(self) -> None:
        if not _EXTERNAL_ID.fullmatch(self.external_order_id):
            raise ValidationError(f"not an externalOrderId: {self.external_order_id[:60]!r}")

    def body(self) -> dict[str, Any]:
        """The ``POST /platform/orders`` body."""
        body: dict[str, Any] = {
            "externalOrderId": self.external_order_id,
            "orderType": WITHDRAW,
            "baseCurrency": self.currency,
            "mainCurrency": self.currency,
            "portfolioId": self.portfolio_id,
            "amount": self.amount,
            "toAddress": self.to_address,
            "blockchainTransactionType": self.transaction_type,
            "description": f"wpokt-node {self.external_order_id}",
        }
        if self.memo:
            body["memo"] = self.memo
        if self.payload:
            body["payload"] = self.payload
        return body

    def payload_hash(self) -> str:
        """What a node's co-signature commits to, for its signing journal."""
        return "0x" + hashlib.sha256(canonical_json(self.body()).encode()).hexdigest()

    def mismatch(self, order: CopperOrder) -> str | None:
        """Why ``order`` (as Copper shows it) is not this payout; None if it is, both in its
        fields and in the sign request a co-signer signs (when Copper has prepared one)."""
        return self.order_mismatch(order) or self.sign_request_mismatch(order)

    def order_mismatch(self, order: CopperOrder) -> str | None:
        """Why the order's own fields are not this payout (None: they are)."""
        shown = {
            "externalOrderId": order.external_order_id,
            "portfolioId": order.portfolio_id,
            "orderType": order.order_type,
            "baseCurrency": order.base_currency,
            "amount": order.amount,
            "toAddress": order.to_address,
            "memo": order.memo,
            "payload": order.payload,
            "blockchainTransactionType": order.transaction_type,
        }
        wanted = {**self.body(), "memo": self.memo, "payload": self.payload}
        for name, value in shown.items():
            expected = wanted[name]
            if not _same(name, value, expected):
                return f"Copper order {name} is {str(value)[:80]!r}, this node expects {expected!r}"
        return None

    def sign_request_mismatch(self, order: CopperOrder) -> str | None:
        """Why the order's sign request is not this payout (None: it is, or Copper has not
        prepared one yet, which nobody can sign)."""
        signed = order.sign_request
        if not signed:
            return None
        unknown = sorted(set(signed) - SIGN_REQUEST_FIELDS)
        if unknown:
            # What a co-signer signs must be understood in full: a field this node cannot
            # check (a value, a fee, another sender) could change what is paid.
            return f"Copper order's sign request carries fields this node cannot check: {unknown}"
        for name, expected in (
            ("orderId", order.order_id),
            ("currency", self.currency),
            ("amount", self.amount),
            ("toAddress", self.to_address),
            ("memo", self.memo),
            ("payload", self.payload),
            ("blockchainTransactionType", self.transaction_type),
        ):
            if not _same(name, signed.get(name) or "", expected):
                return (
                    f"Copper order's sign request {name} is {str(signed.get(name))[:80]!r}, this "
                    f"node expects {expected!r}"
                )
        return None


def _same(name: str, shown: object, wanted: object) -> bool:
    if name in ("toAddress", "payload") and isinstance(shown, str) and isinstance(wanted, str):
        return shown.isascii() and shown.lower() == wanted.lower()  # hex, checksummed addresses
    if name == "amount" and isinstance(wanted, str) and "." in wanted:
        try:
            return parse_pokt_decimal(shown) == parse_pokt_decimal(wanted)
        except CopperOrderError:
            return False
    return shown == wanted


def _text(data: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise CopperOrderError(f"an order's {name} is not text")
    return value


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
