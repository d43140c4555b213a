"""The entries a Pocket deposit becomes: a ``mints`` entry (valid memo) or a ``refunds`` entry.

``transaction_hash`` is the Pocket tx hash in upper-case hex, as the SDK returns it; amounts are
decimal strings of ``upokt``; timestamps are timezone-aware UTC (docs/schema.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import MINTS, REFUNDS
from wpokt_node.errors import ValidationError
from wpokt_node.pokt.deposits import Classification, DepositKind


def _deposit_entry(
    deposit: Classification, vault_address: str, now: datetime | None, **extra: Any
) -> dict[str, Any]:
    if deposit.tx_hash is None or deposit.height is None or deposit.sender is None:
        raise ValidationError("a classified deposit without tx hash, height or sender")
    if deposit.amount <= 0:
        raise ValidationError("a deposit entry needs a positive amount")
    sender = normalize_pokt_address(deposit.sender)
    extra.setdefault("to_address", sender)
    return new_entry(
        transaction_hash=deposit.tx_hash,
        height=deposit.height,
        from_address=sender,
        amount=deposit.amount,
        memo=deposit.memo,
        now=now,
        vault_address=normalize_pokt_address(vault_address),
        **extra,
    )


def mint_entry_document(
    deposit: Classification, vault_address: str, now: datetime | None = None
) -> dict[str, Any]:
    """The ``mints`` document of a valid deposit (``to_address`` is the checksummed recipient)."""
    if deposit.kind is not DepositKind.MINT or deposit.recipient is None:
        raise ValidationError("only a valid deposit becomes a mint entry")
    return _deposit_entry(deposit, vault_address, now, to_address=deposit.recipient, nonce=None)


def refund_entry_document(
    deposit: Classification, vault_address: str, now: datetime | None = None
) -> dict[str, Any]:
    """The ``refunds`` document of an invalid deposit; the refund goes back to the sender."""
    if deposit.kind is not DepositKind.REFUND or deposit.reason is None:
        raise ValidationError("only a refundable deposit becomes a refund entry")
    return _deposit_entry(deposit, vault_address, now, sequence=None, reason=str(deposit.reason))


def entry_document(
    deposit: Classification, vault_address: str, now: datetime | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(collection, document) for a mint or refund; None for an ignored tx."""
    if deposit.kind is DepositKind.MINT:
        return MINTS, mint_entry_document(deposit, vault_address, now)
    if deposit.kind is DepositKind.REFUND:
        return REFUNDS, refund_entry_document(deposit, vault_address, now)
    return None
