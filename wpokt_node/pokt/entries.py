"""MongoDB documents for classified deposits: ``mints`` and ``refunds`` entries (docs/schema.md).

``transaction_hash`` is the Pocket tx hash in upper-case hex, as the SDK returns it; amounts are
decimal strings of ``upokt``; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.amounts import amount_to_db
from wpokt_node.errors import ValidationError
from wpokt_node.pokt.deposits import Classification, DepositKind

MINTS = "mints"
REFUNDS = "refunds"
STATUS_DETECTED = "detected"


def _common(entry: Classification, vault_address: str, now: datetime | None) -> dict[str, Any]:
    if entry.tx_hash is None or entry.height is None or entry.sender is None:
        raise ValidationError("a classified deposit without tx hash, height or sender")
    if entry.amount <= 0:
        raise ValidationError("a deposit entry needs a positive amount")
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValidationError("entry timestamps must be timezone-aware UTC")
    moment = moment.astimezone(UTC)
    return {
        "transaction_hash": entry.tx_hash,
        "height": entry.height,
        "confirmations": 0,
        "from_address": normalize_pokt_address(entry.sender),
        "amount": amount_to_db(entry.amount),
        "memo": entry.memo,
        "vault_address": normalize_pokt_address(vault_address),
        "status": STATUS_DETECTED,
        "signers": [],
        "signatures": [],
        "order": None,
        "execution_tx_hash": None,
        "created_at": moment,
        "updated_at": moment,
        "error": None,
        "audit_seq": 0,
        "transitions": [],
    }


def mint_entry_document(
    entry: Classification, vault_address: str, now: datetime | None = None
) -> dict[str, Any]:
    """The ``mints`` document of a valid deposit (``to_address`` is the checksummed recipient)."""
    if entry.kind is not DepositKind.MINT or entry.recipient is None:
        raise ValidationError("only a valid deposit becomes a mint entry")
    document = _common(entry, vault_address, now)
    document["to_address"] = entry.recipient
    document["nonce"] = None
    return document


def refund_entry_document(
    entry: Classification, vault_address: str, now: datetime | None = None
) -> dict[str, Any]:
    """The ``refunds`` document of an invalid deposit; the refund goes back to the sender."""
    if entry.kind is not DepositKind.REFUND or entry.reason is None:
        raise ValidationError("only a refundable deposit becomes a refund entry")
    document = _common(entry, vault_address, now)
    document["to_address"] = document["from_address"]
    document["sequence"] = None
    document["reason"] = str(entry.reason)
    return document


def entry_document(
    entry: Classification, vault_address: str, now: datetime | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(collection, document) for a mint or refund; None for an ignored tx."""
    if entry.kind is DepositKind.MINT:
        return MINTS, mint_entry_document(entry, vault_address, now)
    if entry.kind is DepositKind.REFUND:
        return REFUNDS, refund_entry_document(entry, vault_address, now)
    return None
