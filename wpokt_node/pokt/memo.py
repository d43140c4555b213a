"""Deposit memos: ``{"address": "0x…", "chain_id": "<ethereum chain id>"}``.

Rules (docs/pocket.md): the memo is at most 256 characters; surrounding whitespace is trimmed;
it must be one JSON object with exactly the keys ``address`` and ``chain_id`` (unknown,
duplicate or differently-cased keys are rejected, so every JSON parser reads the same memo);
``address`` is ``0x`` + 40 hex digits, all lower or all upper case, or mixed case with a valid
EIP-55 checksum (a mistyped checksummed address is refunded, not minted to the wrong account),
not the zero address, returned checksummed;
``chain_id`` is a JSON string equal to the configured Ethereum chain id. ``parse_deposit_memo``
never raises: it returns a result with a machine-readable reason.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from enum import StrEnum

from eth_utils.address import to_checksum_address as _to_checksum_address

MAX_MEMO_CHARACTERS = 256
_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_ZERO_ADDRESS = "0x" + "0" * 40
_MEMO_KEYS = frozenset({"address", "chain_id"})
# keccak in pure Python per memo: the same recipients recur in every pass and re-scan
to_checksum_address = functools.lru_cache(maxsize=4096)(_to_checksum_address)


class RefundReason(StrEnum):
    """Why a transfer into the vault is paid back (or to be paid back) instead of minted."""

    MEMO_TOO_LONG = "memo_too_long"
    MEMO_NOT_JSON = "memo_not_json"
    MEMO_UNKNOWN_KEYS = "memo_unknown_keys"
    MEMO_BAD_ADDRESS = "memo_bad_address"
    MEMO_BAD_CHECKSUM = "memo_bad_checksum"
    MEMO_ZERO_ADDRESS = "memo_zero_address"
    MEMO_WRONG_CHAIN_ID = "memo_wrong_chain_id"
    AMOUNT_OVER_CAP = "amount_over_cap"
    BRIDGE_PAUSED = "bridge_paused"
    MULTIPLE_TRANSFERS = "multiple_transfers"
    UNSUPPORTED_MESSAGE = "unsupported_message"
    # Refunds the node records but never pays (an operator does, docs/pocket.md):
    MULTIPLE_COINS = "multiple_coins"
    OTHER_DENOMS = "other_denoms"
    SEVERAL_SENDERS = "several_senders"
    UNRECOGNIZED_TRANSFER = "unrecognized_transfer"
    SEVERAL_VAULTS = "several_vaults"  # one tx paid the vault and a retired vault


@dataclass(frozen=True, slots=True)
class MemoResult:
    """``ok`` with a checksummed ``address``, or not ``ok`` with a ``reason``."""

    ok: bool
    address: str | None = None
    reason: RefundReason | None = None

    @classmethod
    def valid(cls, address: str) -> MemoResult:
        return cls(True, address, None)

    @classmethod
    def invalid(cls, reason: RefundReason) -> MemoResult:
        return cls(False, None, reason)


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_deposit_memo(memo: object, eth_chain_id: int | str) -> MemoResult:
    """Validate a deposit memo against the configured Ethereum chain id. Never raises."""
    try:
        return _parse(memo, str(eth_chain_id))
    except Exception:  # a defect here must refund, never crash the watcher
        return MemoResult.invalid(RefundReason.MEMO_NOT_JSON)


def _parse(memo: object, eth_chain_id: str) -> MemoResult:
    data = _memo_object(memo)
    if isinstance(data, RefundReason):
        return MemoResult.invalid(data)
    return _check_fields(data, eth_chain_id)


def _memo_object(memo: object) -> dict[str, object] | RefundReason:
    """The memo's one JSON object, or why it is not one (not text, too long, not an object)."""
    if not isinstance(memo, str):
        return RefundReason.MEMO_NOT_JSON
    if len(memo) > MAX_MEMO_CHARACTERS:
        return RefundReason.MEMO_TOO_LONG
    try:
        data = json.loads(
            memo.strip(), object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
        )
    except (ValueError, RecursionError):
        return RefundReason.MEMO_NOT_JSON
    if not isinstance(data, dict):
        return RefundReason.MEMO_NOT_JSON
    return data


def _check_fields(data: dict[str, object], eth_chain_id: str) -> MemoResult:
    """Exactly ``address`` (non-zero, 0x + 40 hex) and ``chain_id`` (ours), checked in order."""
    if set(data) - _MEMO_KEYS:
        return MemoResult.invalid(RefundReason.MEMO_UNKNOWN_KEYS)
    address = data.get("address")
    if not isinstance(address, str) or not _HEX_ADDRESS.fullmatch(address.strip()):
        return MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS)
    address = address.strip()
    digits = address[2:]
    if digits not in (digits.lower(), digits.upper()) and to_checksum_address(address) != address:
        return MemoResult.invalid(RefundReason.MEMO_BAD_CHECKSUM)
    if address.lower() == _ZERO_ADDRESS:
        return MemoResult.invalid(RefundReason.MEMO_ZERO_ADDRESS)
    chain_id = data.get("chain_id")
    if not isinstance(chain_id, str) or chain_id.strip() != eth_chain_id:
        return MemoResult.invalid(RefundReason.MEMO_WRONG_CHAIN_ID)
    return MemoResult.valid(str(to_checksum_address(address.lower())))
