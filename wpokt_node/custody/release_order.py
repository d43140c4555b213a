"""A vault release as data: the stored ``order`` of a burn payout or refund, its ``ReleaseSpec``,
and how a committed tx is recognised as that release.

A release is one ``MsgSend`` from the T-of-N vault at one vault sequence; the vault pays the
fee, so the recipient receives ``amount - fee`` and an amount not above the fee is never paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wpokt_node.amounts import amount_from_db
from wpokt_node.config import Settings
from wpokt_node.db.schema import BURNS, REFUNDS
from wpokt_node.errors import ValidationError
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.pokt.deposit_rules import deposit_rules
from wpokt_node.pokt.deposits import DepositRules
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL

AMOUNT_NOT_ABOVE_FEE = "amount_not_above_fee"


class ReleaseKind(StrEnum):
    BURN = "burn"
    REFUND = "refund"

    @property
    def collection(self) -> str:
        return BURNS if self is ReleaseKind.BURN else REFUNDS


def release_kind(collection: str) -> ReleaseKind:
    if collection == BURNS:
        return ReleaseKind.BURN
    if collection == REFUNDS:
        return ReleaseKind.REFUND
    raise ValidationError(f"{collection!r} holds no vault releases")


@dataclass(frozen=True, slots=True)
class ReleaseConfig:
    """This node's configuration of vault releases (identical across a healthy cluster)."""

    chain_id: str
    multisig: MultisigPubKey
    fee: int
    gas: int
    denom: str
    pokt_confirmations: int
    deposit_rules: DepositRules
    token_address: str
    eth_policy: ConfirmationPolicy

    @property
    def vault(self) -> str:
        return self.multisig.address()

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleaseConfig:
        pocket = settings.pocket
        multisig = MultisigPubKey.from_hex_keys(
            settings.cluster.threshold, pocket.member_public_keys
        )
        if multisig.address() != pocket.vault_address:
            raise ValidationError(
                "pocket.vault_address is not the multisig of pocket.member_public_keys"
            )
        return cls(
            chain_id=pocket.chain_id,
            multisig=multisig,
            fee=pocket.fee_upokt,
            gas=pocket.gas_limit,
            denom=pocket.denom,
            pokt_confirmations=pocket.confirmations,
            deposit_rules=deposit_rules(settings),
            token_address=settings.ethereum.token_address,
            eth_policy=ConfirmationPolicy.from_setting(settings.ethereum.confirmations),
        )


def payout_amount(entry_amount: int, fee: int) -> int | None:
    """What the recipient receives (the vault pays the fee); None if nothing would be left."""
    return entry_amount - fee if entry_amount > fee else None


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
