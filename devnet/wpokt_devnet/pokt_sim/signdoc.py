"""The bytes a Pocket signer signs, rebuilt by the simulator from a received transaction.

- SIGN_MODE_DIRECT: the protobuf ``SignDoc{body_bytes, auth_info_bytes, chain_id,
  account_number}`` over the exact body and auth-info bytes found in the TxRaw.
- SIGN_MODE_LEGACY_AMINO_JSON: the legacy ``StdSignDoc`` JSON, keys sorted, compact, with
  Go's ``encoding/json`` escaping of ``<``, ``>``, ``&``, U+2028 and U+2029 (what
  ``legacytx.StdSignBytes`` / ``sdk.MustSortJSON`` produce, and what cosmjs matches).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def direct_sign_bytes(
    body_bytes: bytes, auth_info_bytes: bytes, chain_id: str, account_number: int
) -> bytes:
    doc = tx_pb2.SignDoc(
        body_bytes=body_bytes,
        auth_info_bytes=auth_info_bytes,
        chain_id=chain_id,
        account_number=account_number,
    )
    return bytes(doc.SerializeToString(deterministic=True))


def go_sorted_json(value: Any) -> str:
    """Compact JSON with sorted keys and Go's HTML-safe escaping (non-ASCII kept as UTF-8)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


@dataclass(frozen=True, slots=True)
class AminoCoin:
    denom: str
    amount: str


@dataclass(frozen=True, slots=True)
class AminoSend:
    from_address: str
    to_address: str
    amount: tuple[AminoCoin, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "cosmos-sdk/MsgSend",
            "value": {
                "amount": _coins_json(self.amount),
                "from_address": self.from_address,
                "to_address": self.to_address,
            },
        }


def _coins_json(coins: tuple[AminoCoin, ...]) -> list[dict[str, str]]:
    return [{"amount": coin.amount, "denom": coin.denom} for coin in coins]


def amino_json_sign_bytes(
    *,
    chain_id: str,
    account_number: int,
    sequence: int,
    fee_amount: tuple[AminoCoin, ...],
    gas: int,
    msgs: tuple[AminoSend, ...],
    memo: str,
    timeout_height: int = 0,
    fee_payer: str = "",
    fee_granter: str = "",
) -> bytes:
    fee: dict[str, Any] = {"amount": _coins_json(fee_amount), "gas": str(gas)}
    if fee_payer:
        fee["payer"] = fee_payer
    if fee_granter:
        fee["granter"] = fee_granter
    doc: dict[str, Any] = {
        "account_number": str(account_number),
        "chain_id": chain_id,
        "fee": fee,
        "memo": memo,
        "msgs": [msg.to_json() for msg in msgs],
        "sequence": str(sequence),
    }
    if timeout_height:
        doc["timeout_height"] = str(timeout_height)
    return go_sorted_json(doc).encode("utf-8")
