"""A vault release stored as data: the plain ``order`` on its entry, converted to and from its
``ReleaseSpec``, and how a committed tx (REST JSON) is recognised as that release whatever
signatures it carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wpokt_node.amounts import amount_from_db
from wpokt_node.errors import ValidationError
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL


def order_document(spec: ReleaseSpec) -> dict[str, Any]:
    """The stored ``order``: plain values only, so a MongoDB round trip compares equal."""
    return {
        "chain_id": spec.chain_id,
        "account_number": spec.account_number,
        "sequence": spec.sequence,
        "from": spec.vault_address,
        "to": spec.recipient,
        "amount": str(spec.amount),
        "denom": spec.denom,
        "fee": str(spec.fee_amount),
        "gas": spec.gas_limit,
        "memo": spec.memo,
    }


def spec_from_order(order: Mapping[str, Any]) -> ReleaseSpec:
    """The release an order describes; ValidationError if it is not a well-formed order."""
    try:
        fields = {
            "chain_id": order["chain_id"],
            "account_number": order["account_number"],
            "sequence": order["sequence"],
            "vault_address": order["from"],
            "recipient": order["to"],
            "amount": amount_from_db(order["amount"]),
            "memo": order["memo"],
            "fee_amount": amount_from_db(order["fee"]),
            "gas_limit": order["gas"],
            "denom": order["denom"],
        }
    except (KeyError, TypeError):
        raise ValidationError("release order lacks a field") from None
    for name in ("account_number", "sequence", "gas_limit"):
        if isinstance(fields[name], bool) or not isinstance(fields[name], int):
            raise ValidationError(f"release order: {name} is not an integer")
    for name in ("chain_id", "vault_address", "recipient", "memo", "denom"):
        if not isinstance(fields[name], str):
            raise ValidationError(f"release order: {name} is not text")
    return ReleaseSpec(**fields)


def sign_bytes(order: Mapping[str, Any]) -> bytes:
    return build_release_sign_doc(spec_from_order(order))


def matches_release(tx_response: Mapping[str, Any], spec: ReleaseSpec) -> bool:
    """Whether a committed tx (REST JSON) is this release, whatever signatures it carries.

    The sign doc commits to exactly these fields (chain id and account number are enforced by
    the chain), so a tx that matches them all is this payload.
    """
    tx = tx_response.get("tx")
    body = tx.get("body") if isinstance(tx, dict) else None
    auth = tx.get("auth_info") if isinstance(tx, dict) else None
    if not isinstance(body, dict) or not isinstance(auth, dict):
        return False
    messages = body.get("messages")
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(messages[0], dict):
        return False
    message = messages[0]
    signer_infos = auth.get("signer_infos")
    fee = auth.get("fee")
    if not isinstance(signer_infos, list) or len(signer_infos) != 1 or not isinstance(fee, dict):
        return False
    info = signer_infos[0]
    sequence = str(info.get("sequence")) if isinstance(info, dict) else None
    fee_coins = [{"denom": c.denom, "amount": str(c.amount)} for c in spec.fee_coins]
    return (
        message.get("@type") == MSG_SEND_TYPE_URL
        and message.get("from_address") == spec.vault_address
        and message.get("to_address") == spec.recipient
        and message.get("amount") == [{"denom": spec.denom, "amount": str(spec.amount)}]
        and body.get("memo") == spec.memo
        and sequence == str(spec.sequence)
        and fee.get("amount", []) == fee_coins
        and str(fee.get("gas_limit")) == str(spec.gas_limit)
    )
