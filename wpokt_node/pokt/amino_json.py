"""Amino JSON, the text the Cosmos SDK signs in ``SIGN_MODE_LEGACY_AMINO_JSON``.

The SDK (``x/auth/migrations/legacytx.StdSignBytes`` and ``x/tx/signing/aminojson``) writes the
sign doc with Go's ``encoding/json``, sorted keys and no whitespace. Go escapes ``<``, ``>`` and
``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` and U+2028/U+2029 as ``\\u2028``/``\\u2029``, and
writes other non-ASCII characters as raw UTF-8. 64-bit integers are quoted decimal strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wpokt_node.errors import ValidationError

MSG_SEND_AMINO_TYPE = "cosmos-sdk/MsgSend"
MAX_UINT64 = 2**64 - 1

_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)

JsonValue = None | bool | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"]


def sorted_json(value: JsonValue) -> bytes:
    """Canonical amino JSON bytes: sorted keys, no spaces, Go-style escaping, UTF-8.

    Integers and floats are refused: amino JSON carries numbers as strings, and a stray number
    would silently produce bytes the SDK never signs.
    """
    _reject_numbers(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES:
        text = text.replace(raw, escaped)
    return text.encode("utf-8")


def _reject_numbers(value: object) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        raise ValidationError("amino JSON carries numbers as strings; got a bare number")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError("amino JSON object keys must be strings")
            _reject_numbers(item)
        return
    if isinstance(value, list | tuple):
        for item in value:
            _reject_numbers(item)
        return
    raise ValidationError(f"cannot encode {type(value).__name__} as amino JSON")


def uint64_str(value: int, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT64:
        raise ValidationError(f"{what} must be an integer in [0, 2^64), got {value!r}")
    return str(value)


@dataclass(frozen=True, slots=True)
class Coin:
    """An amount of one denom in base units."""

    denom: str
    amount: int

    def __post_init__(self) -> None:
        if not self.denom or not self.denom.isascii():
            raise ValidationError(f"bad coin denom {self.denom!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValidationError(f"coin amount must be a non-negative integer: {self.amount!r}")

    def amino(self) -> dict[str, JsonValue]:
        return {"amount": str(self.amount), "denom": self.denom}


def msg_send_amino(from_address: str, to_address: str, amount: Sequence[Coin]) -> JsonValue:
    """``cosmos-sdk/MsgSend`` as the SDK's amino JSON encoder writes it (coins never omitted)."""
    return {
        "type": MSG_SEND_AMINO_TYPE,
        "value": {
            "amount": [coin.amino() for coin in amount],
            "from_address": from_address,
            "to_address": to_address,
        },
    }


def std_fee_amino(amount: Sequence[Coin], gas: int) -> JsonValue:
    """``StdFee`` without payer/granter (both omitted when empty, as in the SDK)."""
    return {"amount": [coin.amino() for coin in amount], "gas": uint64_str(gas, "gas")}


def std_sign_bytes(
    *,
    chain_id: str,
    account_number: int,
    sequence: int,
    fee: JsonValue,
    msgs: Sequence[JsonValue],
    memo: str,
    timeout_height: int = 0,
) -> bytes:
    """The bytes every signer of a legacy-amino-JSON tx signs (sha256 of them, for secp256k1)."""
    doc: dict[str, JsonValue] = {
        "account_number": uint64_str(account_number, "account number"),
        "chain_id": chain_id,
        "fee": fee,
        "memo": memo,
        "msgs": list(msgs),
        "sequence": uint64_str(sequence, "sequence"),
    }
    if timeout_height:
        doc["timeout_height"] = uint64_str(timeout_height, "timeout height")
    return sorted_json(doc)
