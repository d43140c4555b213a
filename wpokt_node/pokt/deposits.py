"""Classify a Pocket tx that touched the vault: mint it, refund it, or ignore it.

Input is one ``tx_response`` as the Cosmos REST API returns it (``/cosmos/tx/v1beta1/txs``),
with the decoded ``tx`` inside. Every node must reach the same answer from the same chain data,
so the rules below use only the tx and cluster-wide settings (docs/pocket.md has the table):

- ``code != 0`` (failed tx) -> ignore.
- No bank transfer into the vault -> ignore. Unknown message types are skipped, never fatal.
- Transfers into the vault that carry no ``upokt`` -> ignore (nothing we can pay back).
- Exactly one ``MsgSend`` to the vault with exactly one coin, in ``upokt`` -> a deposit, then:
  bad memo -> refund (memo reason); amount over the per-deposit cap -> refund
  (``amount_over_cap``); bridge paused -> refund (``bridge_paused``); else mint.
- Anything else that moved ``upokt`` into the vault from one sender (several transfers, extra
  coins, ``MsgMultiSend`` with one input) -> refund the ``upokt`` received to that sender.
  With several senders it cannot be refunded cleanly -> ignore, logged for an operator.
- A refund whose amount does not exceed the release fee is ignored (it would only drain the
  vault's fee budget); logged.
- If the tx's ``transfer`` events show more ``upokt`` arriving at the vault than its messages
  explain (e.g. a send wrapped in ``authz`` ``MsgExec``), it is ignored and logged for an
  operator instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wpokt_node.addresses import address_from_bytes, address_to_bytes
from wpokt_node.errors import ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.pokt.memo import MemoResult, RefundReason, parse_deposit_memo
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash

MSG_SEND = "/cosmos.bank.v1beta1.MsgSend"
MSG_MULTI_SEND = "/cosmos.bank.v1beta1.MsgMultiSend"
_DIGITS = re.compile(r"[0-9]+")
_EVENT_COIN = re.compile(r"([0-9]+)([a-zA-Z][a-zA-Z0-9/:._-]{2,127})")

log = get_logger(__name__)


class DepositKind(StrEnum):
    MINT = "mint"
    REFUND = "refund"
    IGNORE = "ignore"


class IgnoreReason(StrEnum):
    MALFORMED = "malformed"
    TX_FAILED = "tx_failed"
    NO_VAULT_TRANSFER = "no_vault_transfer"
    WRONG_DENOM = "wrong_denom"
    SELF_TRANSFER = "self_transfer"
    UNREFUNDABLE = "unrefundable"
    BELOW_REFUND_FEE = "below_refund_fee"
    UNRECOGNIZED_TRANSFER = "unrecognized_transfer"


@dataclass(frozen=True, slots=True)
class DepositRules:
    """Cluster-wide inputs of the classification (identical on every node)."""

    vault_address: str
    eth_chain_id: int
    denom: str = "upokt"
    max_deposit: int | None = None
    paused: bool = False
    refund_fee: int = 0

    def __post_init__(self) -> None:
        address_to_bytes(self.vault_address)
        if self.refund_fee < 0 or (self.max_deposit is not None and self.max_deposit < 0):
            raise ValidationError("refund fee and deposit cap must not be negative")


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict on one tx. ``amount`` is in base units (``upokt``)."""

    kind: DepositKind
    reason: str | None
    tx_hash: str | None
    height: int | None
    sender: str | None = None
    amount: int = 0
    memo: str = ""
    recipient: str | None = None

    @property
    def is_mint(self) -> bool:
        return self.kind is DepositKind.MINT

    @property
    def is_refund(self) -> bool:
        return self.kind is DepositKind.REFUND


@dataclass(frozen=True, slots=True)
class _Inflow:
    senders: tuple[str, ...]
    coins: tuple[tuple[str, int], ...]
    kind: str


class _MalformedError(Exception):
    pass


def _same(address: object, vault: bytes) -> bool:
    if not isinstance(address, str):
        return False
    try:
        return address_to_bytes(address) == vault
    except ValidationError:
        return False


def _canonical(address: object) -> str:
    if not isinstance(address, str):
        raise _MalformedError("address is not a string")
    try:
        raw = address_to_bytes(address)
    except ValidationError as exc:
        raise _MalformedError(str(exc)) from None
    return address_from_bytes(raw)


def _coins(value: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list):
        raise _MalformedError("coins are not a list")
    coins: list[tuple[str, int]] = []
    for coin in value:
        if not isinstance(coin, dict):
            raise _MalformedError("coin is not an object")
        denom, amount = coin.get("denom"), coin.get("amount")
        if not isinstance(denom, str) or not isinstance(amount, str):
            raise _MalformedError("coin denom/amount are not strings")
        if not _DIGITS.fullmatch(amount) or len(amount) > 78:
            raise _MalformedError("coin amount is not a non-negative integer")
        if int(amount) > 0:
            coins.append((denom, int(amount)))
    return tuple(coins)


def _inflows(messages: Sequence[Any], vault: bytes) -> list[_Inflow]:
    inflows: list[_Inflow] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        kind = message.get("@type")
        if kind == MSG_SEND and _same(message.get("to_address"), vault):
            sender = _canonical(message.get("from_address"))
            inflows.append(_Inflow((sender,), _coins(message.get("amount")), "send"))
        elif kind == MSG_MULTI_SEND:
            outputs = message.get("outputs")
            inputs = message.get("inputs")
            if not isinstance(outputs, list) or not isinstance(inputs, list):
                raise _MalformedError("MsgMultiSend without inputs/outputs")
            for output in outputs:
                if isinstance(output, dict) and _same(output.get("address"), vault):
                    senders = tuple(
                        _canonical(i.get("address") if isinstance(i, dict) else None)
                        for i in inputs
                    )
                    inflows.append(_Inflow(senders, _coins(output.get("coins")), "multisend"))
    return inflows


def _transfer_attributes(event: Mapping[str, Any]) -> dict[object, object] | None:
    """A ``transfer`` event's attributes by key; None if they are not readable."""
    attributes = event.get("attributes")
    if not isinstance(attributes, list):
        return None
    values = {
        a.get("key"): a.get("value")
        for a in attributes
        if isinstance(a, dict) and isinstance(a.get("key"), str)
    }
    if "recipient" not in values or "amount" not in values:
        return None  # e.g. base64-encoded attributes of old SDKs: skip the cross-check
    return values


def _event_amount(amount: object, denom: str) -> int | None:
    """The ``denom`` part of an event's coin list (``"5upokt,3foo"``); None if not readable."""
    if not isinstance(amount, str):
        return None
    total = 0
    for part in filter(None, amount.split(",")):
        match = _EVENT_COIN.fullmatch(part.strip())
        if match is None:
            return None
        if match.group(2) == denom:
            total += int(match.group(1))
    return total


def _event_total(response: Mapping[str, Any], vault: bytes, denom: str) -> int | None:
    """upokt arriving at the vault per the tx's ``transfer`` events; None if not readable.

    Without any ``transfer`` event, or with one that cannot be read, there is nothing to
    cross-check against: None.
    """
    events = response.get("events")
    if not isinstance(events, list) or not events:
        return None
    transfers = [e for e in events if isinstance(e, dict) and e.get("type") == "transfer"]
    total = 0
    for event in transfers:
        values = _transfer_attributes(event)
        if values is None:
            return None
        if not _same(values["recipient"], vault):
            continue
        amount = _event_amount(values["amount"], denom)
        if amount is None:
            return None
        total += amount
    return total if transfers else None


def classify_deposit(response: object, rules: DepositRules) -> Classification:
    """Classify one ``tx_response``. Never raises: unreadable input is ignored and logged."""
    tx_hash: str | None = None
    height: int | None = None
    try:
        if not isinstance(response, dict):
            raise _MalformedError("tx_response is not an object")
        tx_hash = normalize_pokt_tx_hash(str(response.get("txhash", "")))
        height_raw = response.get("height")
        if isinstance(height_raw, bool) or not isinstance(height_raw, str | int):
            raise _MalformedError("height missing")
        if isinstance(height_raw, str) and not _DIGITS.fullmatch(height_raw):
            raise _MalformedError("height is not an integer")
        height = int(height_raw)
        return _classify(response, rules, tx_hash, height)
    except (_MalformedError, ValidationError) as exc:
        log.error("pokt_tx_unreadable", tx_hash=tx_hash, error=str(exc)[:200])
        return Classification(DepositKind.IGNORE, IgnoreReason.MALFORMED, tx_hash, height)


@dataclass(frozen=True, slots=True)
class _Tx:
    """The tx being classified: what every verdict on it records."""

    tx_hash: str
    height: int
    memo: str

    def ignore(self, reason: IgnoreReason, **fields: Any) -> Classification:
        return Classification(DepositKind.IGNORE, reason, self.tx_hash, self.height, **fields)


def _tx_code(response: Mapping[str, Any]) -> int:
    code = response.get("code", 0)
    if isinstance(code, str) and _DIGITS.fullmatch(code):
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        raise _MalformedError("code is not an integer")
    return code


def _messages_and_memo(response: Mapping[str, Any]) -> tuple[list[Any], str]:
    tx = response.get("tx")
    body = tx.get("body") if isinstance(tx, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise _MalformedError("tx.body.messages missing")
    memo = body.get("memo", "")
    if not isinstance(memo, str):
        raise _MalformedError("memo is not a string")
    return body["messages"], memo


def _refundable_sender(
    tx: _Tx,
    response: Mapping[str, Any],
    *,
    rules: DepositRules,
    vault: bytes,
    inflows: Sequence[_Inflow],
    received: int,
) -> str | Classification:
    """The one sender the received ``upokt`` could be paid back to, or the verdict to ignore
    the tx (unexplained transfer events, no transfer, wrong denom, self or several senders)."""
    event_total = _event_total(response, vault, rules.denom)
    if event_total is not None and event_total > received:
        log.error(
            "pokt_vault_transfer_unrecognized",
            tx_hash=tx.tx_hash,
            event_amount=str(event_total),
            parsed_amount=str(received),
        )
        return tx.ignore(IgnoreReason.UNRECOGNIZED_TRANSFER, amount=event_total, memo=tx.memo)
    if not inflows:
        return tx.ignore(IgnoreReason.NO_VAULT_TRANSFER)
    if received == 0:
        log.warning("pokt_vault_transfer_wrong_denom", tx_hash=tx.tx_hash)
        return tx.ignore(IgnoreReason.WRONG_DENOM, memo=tx.memo)
    senders = {s for f in inflows for s in f.senders}
    if any(_same(s, vault) for s in senders):
        return tx.ignore(IgnoreReason.SELF_TRANSFER, amount=received, memo=tx.memo)
    if len(senders) != 1:
        log.error("pokt_vault_transfer_unrefundable", tx_hash=tx.tx_hash, amount=str(received))
        return tx.ignore(IgnoreReason.UNREFUNDABLE, amount=received, memo=tx.memo)
    return next(iter(senders))


def _shape_refund_reason(inflows: Sequence[_Inflow]) -> RefundReason | None:
    """Why the transfer is not one plain deposit (one ``MsgSend`` of one coin); None if it is."""
    if any(f.kind != "send" for f in inflows):
        return RefundReason.UNSUPPORTED_MESSAGE
    if len(inflows) > 1:
        return RefundReason.MULTIPLE_TRANSFERS
    if len(inflows[0].coins) != 1:
        return RefundReason.MULTIPLE_COINS
    return None


def _deposit_refund_reason(
    parsed: MemoResult, received: int, rules: DepositRules
) -> RefundReason | None:
    """Why a plain deposit is paid back (memo, per-deposit cap, pause, in that order)."""
    if not parsed.ok:
        assert parsed.reason is not None
        return parsed.reason
    if rules.max_deposit is not None and received > rules.max_deposit:
        return RefundReason.AMOUNT_OVER_CAP
    if rules.paused:
        return RefundReason.BRIDGE_PAUSED
    return None


def _refund(
    tx: _Tx, reason: RefundReason, sender: str, received: int, rules: DepositRules
) -> Classification:
    """Pay ``received`` back to ``sender``, unless it would not cover the release fee."""
    if received <= rules.refund_fee:
        log.warning(
            "pokt_refund_below_fee", tx_hash=tx.tx_hash, amount=str(received), reason=reason
        )
        return tx.ignore(
            IgnoreReason.BELOW_REFUND_FEE, sender=sender, amount=received, memo=tx.memo
        )
    return Classification(
        DepositKind.REFUND, reason, tx.tx_hash, tx.height, sender, received, tx.memo, None
    )


def _classify(
    response: Mapping[str, Any], rules: DepositRules, tx_hash: str, height: int
) -> Classification:
    if _tx_code(response) != 0:
        return Classification(DepositKind.IGNORE, IgnoreReason.TX_FAILED, tx_hash, height)
    messages, memo = _messages_and_memo(response)
    tx = _Tx(tx_hash, height, memo)
    vault = address_to_bytes(rules.vault_address)
    inflows = _inflows(messages, vault)
    received = sum(a for f in inflows for d, a in f.coins if d == rules.denom)
    sender = _refundable_sender(
        tx, response, rules=rules, vault=vault, inflows=inflows, received=received
    )
    if isinstance(sender, Classification):
        return sender
    reason = _shape_refund_reason(inflows)
    if reason is not None:
        return _refund(tx, reason, sender, received, rules)
    parsed = parse_deposit_memo(memo, rules.eth_chain_id)
    reason = _deposit_refund_reason(parsed, received, rules)
    if reason is not None:
        return _refund(tx, reason, sender, received, rules)
    return Classification(
        DepositKind.MINT, None, tx_hash, height, sender, received, memo, parsed.address
    )
