"""What one Pocket tx moved into the vault: read from its messages, checked against its events.

The shapes are those of ``GET /cosmos/tx/v1beta1/txs/{hash}`` on Pocket Shannon (poktroll on
cosmos-sdk v0.53, with x/authz and x/group), ``Any`` values rendered inline with ``@type``:

- ``/cosmos.bank.v1beta1.MsgSend`` ``{from_address, to_address, amount: [{denom, amount}]}``.
- ``/cosmos.bank.v1beta1.MsgMultiSend`` ``{inputs: [{address, coins}], outputs: [...]}``; the
  SDK accepts exactly one input since v0.47 (cosmos/cosmos-sdk ``x/bank/types/msgs.go``,
  ``ErrMultipleSenders``); several inputs are still read, as several senders.
- ``/cosmos.authz.v1beta1.MsgExec`` ``{grantee, msgs: [Any, ...]}``
  (cosmos/cosmos-sdk ``proto/cosmos/authz/v1beta1/tx.proto``). ``DispatchActions``
  (``x/authz/keeper/keeper.go``) runs each inner message as its one signer, the granter, so a
  ``MsgSend`` inside moves the ``from_address``'s coins, exactly like a direct one; its events
  carry an extra ``authz_msg_index``. Sends inside one ``MsgExec`` are read; a ``MsgExec``
  inside a ``MsgExec`` is not (its transfers show up unexplained in the events).
- events: the bank's ``SendCoins`` emits ``transfer {recipient, sender, amount}`` and
  ``coin_received {receiver, amount}``, ``amount`` being ``Coins.String()``
  (``"100upokt,5uother"``, sorted by denom); the v0.50 line's ``InputOutputCoins``
  (``MsgMultiSend``) emits ``transfer {recipient, amount}`` per output, without ``sender``
  (``x/bank/keeper/send.go``): ``sender`` is read when present, never required.
  Pocket: pokt-network/poktroll ``go.mod`` (cosmos-sdk v0.53.7), ``app/app_config.go``.

A transfer from the vault to itself moves nothing and is left out on both sides (a
``MsgMultiSend`` from the vault to itself, whose events name no sender, would read as
unexplained: the nodes never send one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wpokt_node.addresses import address_from_bytes, address_to_bytes
from wpokt_node.errors import ValidationError

MSG_SEND = "/cosmos.bank.v1beta1.MsgSend"
MSG_MULTI_SEND = "/cosmos.bank.v1beta1.MsgMultiSend"
MSG_EXEC = "/cosmos.authz.v1beta1.MsgExec"
MAX_EXEC_DEPTH = 1  # sends directly inside a MsgExec are read, not those of a nested one
_DIGITS = re.compile(r"[0-9]{1,78}")
_EVENT_COIN = re.compile(r"([0-9]{1,78})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})")

Coins = tuple[tuple[str, int], ...]
"""(denom, amount) pairs, sorted by denom, each amount positive."""


class MalformedError(Exception):
    """The tx is not in the shape the chain returns: it is ignored and logged."""


def add_coins(*many: Iterable[tuple[str, int]]) -> Coins:
    totals: dict[str, int] = {}
    for coins in many:
        for denom, amount in coins:
            totals[denom] = totals.get(denom, 0) + amount
    return tuple(sorted((d, a) for d, a in totals.items() if a > 0))


def amount_of(coins: Coins, denom: str) -> int:
    return sum(a for d, a in coins if d == denom)


def coins_text(coins: Coins) -> str:
    """The SDK's ``Coins.String()``: ``"100upokt,5uother"``."""
    return ",".join(f"{amount}{denom}" for denom, amount in coins)


@dataclass(frozen=True, slots=True)
class Part:
    """What one sender moved into the vault in one tx. ``address`` is empty when only an event
    names the transfer and it names no sender (a ``MsgMultiSend`` output)."""

    address: str
    coins: Coins

    def to_document(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "coins": [{"denom": d, "amount": str(a)} for d, a in self.coins],
        }

    def text(self) -> str:
        sent = coins_text(self.coins) or "an unknown share"
        return f"{self.address or 'an unnamed sender'} sent {sent}"


@dataclass(frozen=True, slots=True)
class Inflow:
    """One message's transfer into the vault: ``kind`` is ``send`` or ``multisend``."""

    senders: tuple[str, ...]
    coins: Coins
    kind: str


@dataclass(frozen=True, slots=True)
class VaultFlows:
    """``inflows``: the messages' transfers into the vault (the vault's own left out);
    ``self_sends``: how many sent from the vault to itself; ``unexplained``: set when the
    tx's ``transfer`` events show coins arriving that the messages do not explain, to what
    the events say each sender moved in."""

    inflows: tuple[Inflow, ...]
    self_sends: int
    unexplained: tuple[Part, ...] | None


def same_address(address: object, vault: bytes) -> bool:
    if not isinstance(address, str):
        return False
    try:
        return address_to_bytes(address) == vault
    except ValidationError:
        return False


def canonical(address: object) -> str:
    if not isinstance(address, str):
        raise MalformedError("address is not a string")
    try:
        return address_from_bytes(address_to_bytes(address))
    except ValidationError as exc:
        raise MalformedError(str(exc)) from None


def _coins(value: object) -> Coins:
    if not isinstance(value, list):
        raise MalformedError("coins are not a list")
    coins: list[tuple[str, int]] = []
    for coin in value:
        if not isinstance(coin, dict):
            raise MalformedError("coin is not an object")
        denom, amount = coin.get("denom"), coin.get("amount")
        if not isinstance(denom, str) or not isinstance(amount, str):
            raise MalformedError("coin denom/amount are not strings")
        if not _DIGITS.fullmatch(amount):
            raise MalformedError("coin amount is not a non-negative integer")
        coins.append((denom, int(amount)))
    return add_coins(coins)


def _multisend(message: Mapping[str, Any], vault: bytes) -> tuple[list[Inflow], int]:
    outputs, inputs = message.get("outputs"), message.get("inputs")
    if not isinstance(outputs, list) or not isinstance(inputs, list):
        raise MalformedError("MsgMultiSend without inputs/outputs")
    inflows: list[Inflow] = []
    self_sends = 0
    for output in outputs:
        if not isinstance(output, dict) or not same_address(output.get("address"), vault):
            continue
        senders = tuple(
            canonical(i.get("address") if isinstance(i, dict) else None) for i in inputs
        )
        if senders and all(same_address(s, vault) for s in senders):
            self_sends += 1
        else:
            inflows.append(Inflow(senders, _coins(output.get("coins")), "multisend"))
    return inflows, self_sends


def _message_inflows(messages: Sequence[Any], vault: bytes, depth: int) -> tuple[list[Inflow], int]:
    """Transfers into the vault and the count of self-sends; unknown messages are skipped."""
    inflows: list[Inflow] = []
    self_sends = 0
    for message in messages:
        if not isinstance(message, dict):
            continue
        kind = message.get("@type")
        found: list[Inflow] = []
        selves = 0
        if kind == MSG_SEND and same_address(message.get("to_address"), vault):
            sender = canonical(message.get("from_address"))
            if same_address(sender, vault):
                selves = 1
            else:
                found = [Inflow((sender,), _coins(message.get("amount")), "send")]
        elif kind == MSG_MULTI_SEND:
            found, selves = _multisend(message, vault)
        elif kind == MSG_EXEC and depth < MAX_EXEC_DEPTH:
            inner = message.get("msgs")
            if not isinstance(inner, list):
                raise MalformedError("MsgExec without msgs")
            found, selves = _message_inflows(inner, vault, depth + 1)
        inflows += [f for f in found if f.coins]
        self_sends += selves
    return inflows, self_sends


def _attributes(event: Mapping[str, Any]) -> dict[object, object] | None:
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


def _event_coins(amount: object) -> Coins | None:
    if not isinstance(amount, str):
        return None
    coins: list[tuple[str, int]] = []
    for piece in filter(None, amount.split(",")):
        match = _EVENT_COIN.fullmatch(piece.strip())
        if match is None:
            return None
        coins.append((match.group(2), int(match.group(1))))
    return add_coins(coins)


def _event_parts(response: Mapping[str, Any], vault: bytes) -> list[Part] | None:
    """Every ``transfer`` into the vault per the tx's events (not the vault's own); None when
    there is nothing to cross-check against (no ``transfer`` event, or one not readable)."""
    events = response.get("events")
    if not isinstance(events, list):
        return None
    transfers = [e for e in events if isinstance(e, dict) and e.get("type") == "transfer"]
    if not transfers:
        return None
    parts: list[Part] = []
    for event in transfers:
        values = _attributes(event)
        if values is None:
            return None
        if not same_address(values["recipient"], vault):
            continue
        coins = _event_coins(values["amount"])
        if coins is None:
            return None
        sender = values.get("sender")
        if same_address(sender, vault):
            continue
        try:
            address = canonical(sender) if sender is not None else ""
        except MalformedError:
            return None
        parts.append(Part(address, coins))
    return parts


def parts_by_sender(parts: Iterable[Part]) -> tuple[Part, ...]:
    """One part per sender, in the order senders first appear."""
    merged: dict[str, Coins] = {}
    for part in parts:
        merged[part.address] = add_coins(merged.get(part.address, ()), part.coins)
    return tuple(Part(address, coins) for address, coins in merged.items())


def inflow_parts(inflows: Iterable[Inflow]) -> tuple[Part, ...]:
    """Who sent what. A multi-input ``MsgMultiSend`` (refused by the SDK since v0.47) cannot
    say which input paid which output: each of its senders is listed without coins."""
    parts: list[Part] = []
    for inflow in inflows:
        if len(inflow.senders) == 1:
            parts.append(Part(inflow.senders[0], inflow.coins))
        else:
            parts += [Part(sender, ()) for sender in inflow.senders]
    return parts_by_sender(parts)


def read_flows(messages: Sequence[Any], response: Mapping[str, Any], vault: bytes) -> VaultFlows:
    """What the tx moved into the vault. Raises MalformedError."""
    inflows, self_sends = _message_inflows(messages, vault, 0)
    explained = add_coins(*(f.coins for f in inflows))
    events = _event_parts(response, vault)
    unexplained = None
    if events is not None:
        shown = dict(add_coins(*(p.coins for p in events)))
        if any(amount > amount_of(explained, denom) for denom, amount in shown.items()):
            unexplained = parts_by_sender(events)
    return VaultFlows(tuple(inflows), self_sends, unexplained)
