"""Classify a Pocket tx that touched the vault: mint it, refund it, or ignore it.

Input is one ``tx_response`` as the Cosmos REST API returns it (``/cosmos/tx/v1beta1/txs``),
with the decoded ``tx`` inside (shapes and sources: ``deposit_flows``). Every node must reach
the same answer from the same chain data, so the rules below use only the tx and cluster-wide
settings (docs/pocket.md has the table). Every successful tx that moved coins into the vault
is minted or becomes a refund entry; nothing that arrived is only logged:

- ``code != 0`` (failed tx) -> ignore. Nothing arrives from the vault to itself -> ignore.
- The ``transfer`` events show coins arriving that the messages do not explain (a send
  inside a nested ``MsgExec``, a group proposal of another account...) -> an unpayable
  refund (``unrecognized_transfer``), its parts read from the events.
- Coins from two or more senders -> unpayable (``several_senders``).
- One sender, coins other than ``upokt`` -> unpayable (``other_denoms``, or
  ``multiple_coins`` with ``upokt`` as well): the node pays back only ``upokt``, and a paid
  refund must end the deposit, so an operator pays every coin back by hand.
- A ``MsgSend`` (direct, or inside one ``MsgExec``: the inner ``from_address`` is the owner)
  of ``upokt`` only, in one message -> a deposit: bad memo -> refund (memo reason); amount over
  the per-deposit cap -> refund (``amount_over_cap``); bridge paused -> refund
  (``bridge_paused``); else mint. Several such messages -> refund (``multiple_transfers``), a
  ``MsgMultiSend`` -> refund (``unsupported_message``), of all the ``upokt`` received.

An unpayable refund is recorded like any refund (``to_address`` the vault: nothing goes back
by itself) with ``unpayable`` naming the error its payout fails with, visibly, before any fee;
its ``parts`` say who sent what, for the operator (docs/runbooks/unrefundable-deposit.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wpokt_node.addresses import address_to_bytes, normalize
from wpokt_node.errors import ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.pokt.deposit_flows import (
    Inflow,
    MalformedError,
    Part,
    add_coins,
    amount_of,
    inflow_parts,
    read_flows,
)
from wpokt_node.pokt.memo import MemoResult, RefundReason, parse_deposit_memo
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash

_DIGITS = re.compile(r"[0-9]+")
MAX_ERROR_CHARACTERS = 500

log = get_logger(__name__)


class DepositKind(StrEnum):
    MINT = "mint"
    REFUND = "refund"
    IGNORE = "ignore"


class IgnoreReason(StrEnum):
    MALFORMED = "malformed"
    TX_FAILED = "tx_failed"
    NO_VAULT_TRANSFER = "no_vault_transfer"
    SELF_TRANSFER = "self_transfer"
    VAULT_TRANSFER = "vault_transfer"  # from another vault of this bridge: a migration sweep


@dataclass(frozen=True, slots=True)
class DepositRules:
    """Cluster-wide inputs of the classification (identical on every node)."""

    vault_address: str
    eth_chain_id: int
    denom: str = "upokt"
    max_deposit: int | None = None
    paused: bool = False
    own_vaults: frozenset[str] = frozenset()  # the bridge's other vaults (current and retired)

    def __post_init__(self) -> None:
        address_to_bytes(self.vault_address)
        object.__setattr__(self, "own_vaults", frozenset(normalize(v) for v in self.own_vaults))
        if self.max_deposit is not None and self.max_deposit < 0:
            raise ValidationError("the deposit cap must not be negative")


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict on one tx. ``amount`` is in base units (``upokt``); ``parts`` (refunds) say
    who sent what; ``unpayable`` is the named error of a refund the node never pays."""

    kind: DepositKind
    reason: str | None
    tx_hash: str | None
    height: int | None
    sender: str | None = None
    amount: int = 0
    memo: str = ""
    recipient: str | None = None
    parts: tuple[Part, ...] = ()
    unpayable: str | None = None

    @property
    def is_mint(self) -> bool:
        return self.kind is DepositKind.MINT

    @property
    def is_refund(self) -> bool:
        return self.kind is DepositKind.REFUND

    def refund_from(self, vault: str) -> str:
        """A refund entry's ``from_address``: the (first) sender; the vault when no event or
        message names one."""
        return normalize(self.sender if self.sender is not None else vault)

    def refund_to(self, vault: str) -> str:
        """A refund entry's ``to_address``: the sender, or the vault for an unpayable refund
        (nothing goes back by itself)."""
        if self.unpayable is not None or self.sender is None:
            return normalize(vault)
        return normalize(self.sender)


def unpayable_error(reason: RefundReason, parts: Sequence[Part]) -> str:
    """``<reason>: <address> sent <coins>; ...``: what the entry's ``error`` says."""
    text = f"{reason}: " + "; ".join(part.text() for part in parts)
    if len(text) <= MAX_ERROR_CHARACTERS:
        return text
    return text[: MAX_ERROR_CHARACTERS - 3] + "..."


def classify_deposit(response: object, rules: DepositRules) -> Classification:
    """Classify one ``tx_response``. Never raises: unreadable input is ignored and logged."""
    tx_hash: str | None = None
    height: int | None = None
    try:
        if not isinstance(response, dict):
            raise MalformedError("tx_response is not an object")
        tx_hash = normalize_pokt_tx_hash(str(response.get("txhash", "")))
        height_raw = response.get("height")
        if isinstance(height_raw, bool) or not isinstance(height_raw, str | int):
            raise MalformedError("height missing")
        if isinstance(height_raw, str) and not _DIGITS.fullmatch(height_raw):
            raise MalformedError("height is not an integer")
        height = int(height_raw)
        return _classify(response, rules, tx_hash, height)
    except (MalformedError, ValidationError) as exc:
        log.error("pokt_tx_unreadable", tx_hash=tx_hash, error=str(exc)[:200])
        return Classification(DepositKind.IGNORE, IgnoreReason.MALFORMED, tx_hash, height)


@dataclass(frozen=True, slots=True)
class _Tx:
    """The tx being classified: what every verdict on it records."""

    tx_hash: str
    height: int
    memo: str

    def ignore(self, reason: IgnoreReason) -> Classification:
        return Classification(DepositKind.IGNORE, reason, self.tx_hash, self.height)

    def refund(self, reason: RefundReason, part: Part, received: int) -> Classification:
        return Classification(
            DepositKind.REFUND, reason, self.tx_hash, self.height, part.address, received,
            self.memo, None, (part,),
        )  # fmt: skip

    def unpayable(
        self, reason: RefundReason, parts: tuple[Part, ...], received: int
    ) -> Classification:
        error = unpayable_error(reason, parts)
        log.info("pokt_deposit_unpayable", tx_hash=self.tx_hash, error=error)
        sender = next((p.address for p in parts if p.address), None)
        return Classification(
            DepositKind.REFUND, reason, self.tx_hash, self.height, sender, received, self.memo,
            None, parts, error,
        )  # fmt: skip


def _tx_code(response: Mapping[str, Any]) -> int:
    code = response.get("code", 0)
    if isinstance(code, str) and _DIGITS.fullmatch(code):
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        raise MalformedError("code is not an integer")
    return code


def _messages_and_memo(response: Mapping[str, Any]) -> tuple[list[Any], str]:
    tx = response.get("tx")
    body = tx.get("body") if isinstance(tx, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise MalformedError("tx.body.messages missing")
    memo = body.get("memo", "")
    if not isinstance(memo, str):
        raise MalformedError("memo is not a string")
    return body["messages"], memo


def _shape_refund_reason(inflows: Sequence[Inflow]) -> RefundReason | None:
    """Why the transfer is not one plain deposit (one ``MsgSend``); None if it is."""
    if any(f.kind != "send" for f in inflows):
        return RefundReason.UNSUPPORTED_MESSAGE
    if len(inflows) > 1:
        return RefundReason.MULTIPLE_TRANSFERS
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


def _classify(
    response: Mapping[str, Any], rules: DepositRules, tx_hash: str, height: int
) -> Classification:
    if _tx_code(response) != 0:
        return Classification(DepositKind.IGNORE, IgnoreReason.TX_FAILED, tx_hash, height)
    messages, memo = _messages_and_memo(response)
    tx = _Tx(tx_hash, height, memo)
    flows = read_flows(messages, response, address_to_bytes(rules.vault_address))
    if flows.unexplained is not None:
        received = sum(amount_of(p.coins, rules.denom) for p in flows.unexplained)
        return tx.unpayable(RefundReason.UNRECOGNIZED_TRANSFER, flows.unexplained, received)
    if not flows.inflows:
        nothing = IgnoreReason.SELF_TRANSFER if flows.self_sends else IgnoreReason.NO_VAULT_TRANSFER
        return tx.ignore(nothing)
    return _classify_inflows(tx, flows.inflows, rules)


def _is_own_vault(address: str, rules: DepositRules) -> bool:
    try:
        return bool(address) and normalize(address) in rules.own_vaults
    except ValidationError:
        return False


def _classify_inflows(tx: _Tx, inflows: Sequence[Inflow], rules: DepositRules) -> Classification:
    """The verdict on transfers into the vault that the messages explain."""
    coins = add_coins(*(f.coins for f in inflows))
    received = amount_of(coins, rules.denom)
    parts = inflow_parts(inflows)
    if len(parts) > 1:
        return tx.unpayable(RefundReason.SEVERAL_SENDERS, parts, received)
    if any(denom != rules.denom for denom, _ in coins):
        reason = RefundReason.MULTIPLE_COINS if received else RefundReason.OTHER_DENOMS
        return tx.unpayable(reason, parts, received)
    sender = parts[0]
    if _is_own_vault(sender.address, rules) and _shape_refund_reason(inflows) is None:
        return tx.ignore(IgnoreReason.VAULT_TRANSFER)  # moves backing, mints nothing
    parsed = parse_deposit_memo(tx.memo, rules.eth_chain_id)
    refund = _shape_refund_reason(inflows) or _deposit_refund_reason(parsed, received, rules)
    if refund is not None:
        return tx.refund(refund, sender, received)
    return Classification(
        DepositKind.MINT, None, tx.tx_hash, tx.height, sender.address, received, tx.memo,
        parsed.address,
    )  # fmt: skip
