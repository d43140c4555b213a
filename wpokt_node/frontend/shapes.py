"""The deployed wPOKT frontend's document shapes, built from this cluster's entries.

The frontend (pokt-network/wpokt-frontend, ``types/mint.ts``, ``types/invalidMint.ts``,
``types/burn.ts``, ``types/health.ts``, ``types/status.ts``) reads what the system before this
one (pokt-network/wpokt-validator, ``models/*.go``, ``cosmos/util/monitor.go``,
``eth/util/monitor.go``, ``eth/util/signer.go``) wrote: numbers as decimal strings, addresses
and hashes in lower case, a Pocket tx hash as ``0x`` + lower-case hex, its own status names.
Every function here is pure: one of our documents in, one frontend document out, or
``UnmappableError`` (never half a document).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wpokt_node.db.schema import Status
from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.eth.eip712 import mint_data_digest, recover_mint_signer
from wpokt_node.pokt.memo import MAX_MEMO_CHARACTERS

Document = dict[str, Any]

PENDING, CONFIRMED, SIGNED, SUBMITTED, SUCCESS, FAILED = (
    "pending", "confirmed", "signed", "submitted", "success", "failed",
)  # fmt: skip
FRONTEND_STATUSES = (PENDING, CONFIRMED, SIGNED, SUBMITTED, SUCCESS, FAILED)
_BASE: Mapping[str, str] = {
    Status.DETECTED.value: PENDING,
    Status.CONFIRMED.value: CONFIRMED,
    Status.STARTED.value: CONFIRMED,  # the old system stayed "confirmed" while signing
    Status.SIGNED.value: SIGNED,
    Status.EXECUTED.value: SUCCESS,
    Status.FAILED.value: FAILED,
}


class UnmappableError(ValidationError):
    """An entry the frontend view cannot show as it is (unknown status, missing field)."""


@dataclass(frozen=True, slots=True)
class ViewFacts:
    """What a frontend document states about the cluster, from the node's config."""

    wpokt_address: str  # lower case, as the frontend filters on it
    vault_address: str
    eth_chain_id: int
    pokt_chain_id: str
    controller: str
    validators: frozenset[str]  # lower case


def frontend_status(document: Mapping[str, Any], *, submitted: bool) -> str:
    """Our status as the frontend names it; ``submitted``: a signed release whose payout tx
    is recorded shows ``submitted`` (burns and invalid mints; the old system's mints had no
    such state)."""
    status = document.get("status")
    mapped = _BASE.get(status) if isinstance(status, str) else None
    if mapped is None:
        raise UnmappableError(f"unknown status {status!r}")
    if mapped == SIGNED and submitted and document.get("execution_tx_hash"):
        return SUBMITTED
    return mapped


def pokt_tx_hash(value: str) -> str:
    """A Pocket tx hash as the old system stored it (``common.Ensure0xPrefix``)."""
    lowered = value.lower()
    return lowered if lowered.startswith("0x") else "0x" + lowered


def mint_view(document: Mapping[str, Any], facts: ViewFacts) -> Document:
    """A ``mints`` document (a deposit) in the shape of ``types/mint.ts``."""
    status = frontend_status(document, submitted=False)
    order = document.get("order")
    data = _mint_data(order) if status in (SIGNED, SUCCESS) or order else None
    signers, signatures = _sorted_mint_signatures(document, order, facts) if data else ([], [])
    executed = str(document.get("execution_tx_hash") or "") if status == SUCCESS else ""
    nonce = document.get("nonce")
    return {
        **_common(document, status),
        "height": _digits(document, "height"),
        "sender_address": _text(document, "from_address"),
        "sender_chain_id": facts.pokt_chain_id,
        "recipient_address": _text(document, "to_address").lower(),
        "recipient_chain_id": str(facts.eth_chain_id),
        "wpokt_address": facts.wpokt_address,
        "vault_address": facts.vault_address,
        "nonce": str(nonce) if isinstance(nonce, int) else "",
        "memo": _mint_memo(document.get("memo")),
        "data": data,
        "signers": signers,
        "signatures": signatures,
        "mint_tx_hash": executed,
        "mint_transaction_hash": executed,  # what wpokt-validator's models/mint.go names it
    }


def invalid_mint_view(document: Mapping[str, Any], facts: ViewFacts) -> Document:
    """A ``refunds`` document in the shape of ``types/invalidMint.ts``."""
    status = frontend_status(document, submitted=True)
    returned = (
        str(document.get("execution_tx_hash") or "") if status in (SUBMITTED, SUCCESS) else ""
    )
    memo = document.get("memo")
    return {
        **_common(document, status),
        "height": _digits(document, "height"),
        "sender_address": _text(document, "from_address"),
        "sender_chain_id": facts.pokt_chain_id,
        "vault_address": facts.vault_address,
        "memo": memo if isinstance(memo, str) else "",
        "signers": _release_signers(document),
        "return_tx": returned,
        "return_transaction_hash": returned,
    }


def burn_view(document: Mapping[str, Any], facts: ViewFacts) -> Document:
    """A ``burns`` document in the shape of ``types/burn.ts``."""
    status = frontend_status(document, submitted=True)
    returned = (
        str(document.get("execution_tx_hash") or "") if status in (SUBMITTED, SUCCESS) else ""
    )
    return {
        **_common(document, status),
        "transaction_hash": _text(document, "transaction_hash").lower(),
        "log_index": _digits(document, "log_index"),
        "block_number": _digits(document, "height"),
        "sender_address": _text(document, "from_address").lower(),
        "sender_chain_id": str(facts.eth_chain_id),
        "recipient_address": _text(document, "to_address"),
        "recipient_chain_id": facts.pokt_chain_id,
        "wpokt_address": facts.wpokt_address,
        "signers": _release_signers(document),
        "return_tx": returned,
        "return_transaction_hash": returned,
    }


def _common(document: Mapping[str, Any], status: str) -> Document:
    created, updated = document.get("created_at"), document.get("updated_at")
    if not isinstance(created, datetime) or not isinstance(updated, datetime):
        raise UnmappableError("created_at and updated_at must be dates")
    return {
        "_id": document.get("_id"),
        "transaction_hash": pokt_tx_hash(_text(document, "transaction_hash")),
        "confirmations": _digits(document, "confirmations"),
        "amount": _amount(document),
        "created_at": created,
        "updated_at": updated,
        "status": status,
    }


def _text(document: Mapping[str, Any], field: str) -> str:
    value = document.get(field)
    if not isinstance(value, str) or not value:
        raise UnmappableError(f"{field} is missing or not a string")
    return value


def _digits(document: Mapping[str, Any], field: str) -> str:
    value = document.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UnmappableError(f"{field} is missing or not a non-negative integer")
    return str(value)


def _amount(document: Mapping[str, Any]) -> str:
    value = document.get("amount")
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        raise UnmappableError("amount is missing or not a decimal string")
    return str(int(value))


def _mint_memo(memo: object) -> Document | None:
    """The memo as ``types/mint.ts`` ``MintMemo``; null when it is not that JSON."""
    if not isinstance(memo, str) or len(memo) > MAX_MEMO_CHARACTERS:  # deep nesting crashes json
        return None
    try:
        parsed = json.loads(memo)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return None
    if not isinstance(parsed, dict):
        return None
    address, chain_id = parsed.get("address"), parsed.get("chain_id")
    if not isinstance(address, str) or not isinstance(chain_id, str | int):
        return None
    return {"address": address.lower(), "chain_id": str(chain_id)}


def _mint_data(order: object) -> Document:
    """``MintData`` as the contract's ``mintWrappedPocket`` takes it, in decimal strings."""
    if not isinstance(order, Mapping):
        raise UnmappableError("a signed mint has no order")
    recipient, amount, nonce = order.get("recipient"), order.get("amount"), order.get("nonce")
    if (
        not isinstance(recipient, str)
        or not isinstance(amount, str)
        or not (amount.isascii() and amount.isdigit())
    ):
        raise UnmappableError("the mint's order lacks a recipient or an amount")
    if isinstance(nonce, bool) or not isinstance(nonce, int):
        raise UnmappableError("the mint's order lacks its nonce")
    return {"recipient": recipient.lower(), "amount": str(int(amount)), "nonce": str(nonce)}


def _sorted_mint_signatures(
    document: Mapping[str, Any], order: object, facts: ViewFacts
) -> tuple[list[str], list[str]]:
    """The stored signatures that a validator made over the entry's order, one per validator,
    sorted by signer address ascending as the MintController requires (``eth/util/signer.go``
    ``sortSignersAndSignatures``): what a user's wallet can submit as it is."""
    assert isinstance(order, Mapping)  # _mint_data checked it
    try:
        digest = mint_data_digest(
            facts.eth_chain_id, facts.controller, str(order["recipient"]),
            int(str(order["amount"])), int(order["nonce"]),
        )  # fmt: skip
    except (ValidationError, SigningError, ValueError) as exc:
        raise UnmappableError(f"the mint's order cannot be hashed: {exc}") from None
    by_signer: dict[str, str] = {}
    for record in _records(document):
        signature = record.get("signature")
        if not isinstance(signature, str):
            continue
        try:
            signer = recover_mint_signer(digest, bytes.fromhex(signature.removeprefix("0x")))
        except (ValueError, SigningError, ValidationError):
            continue
        if signer.lower() in facts.validators:
            by_signer.setdefault(signer.lower(), "0x" + signature.removeprefix("0x").lower())
    signers = sorted(by_signer, key=lambda address: int(address, 16))
    return signers, [by_signer[s] for s in signers]


def _release_signers(document: Mapping[str, Any]) -> list[str]:
    """The members who approved a release (their account addresses), as stored."""
    found = {str(r["signer"]) for r in _records(document) if isinstance(r.get("signer"), str)}
    return sorted(found)


def _records(document: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    records = document.get("signatures")
    if not isinstance(records, list):
        return []
    return [r for r in records if isinstance(r, Mapping)]
