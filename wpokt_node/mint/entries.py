"""The entries a Pocket deposit becomes: a ``mints`` entry (valid memo) or a ``refunds`` entry
(everything else that moved coins into the vault, payable or not).

``transaction_hash`` is the Pocket tx hash in upper-case hex, as the SDK returns it; amounts are
decimal strings of ``upokt``; timestamps are timezone-aware UTC (docs/schema.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bson.errors import BSONError
from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.custody.source_events import deposit_event
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import MINTS, REFUNDS, UNIQUE_KEYS, MintSource
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.pokt.deposits import Classification, DepositKind


def _deposit_entry(
    deposit: Classification,
    vault_address: str,
    now: datetime | None,
    *,
    from_address: str,
    to_address: str,
    **extra: Any,
) -> dict[str, Any]:
    if deposit.tx_hash is None or deposit.height is None:
        raise ValidationError("a classified deposit without tx hash or height")
    if deposit.amount <= 0 and deposit.unpayable is None:
        raise ValidationError("a deposit entry needs a positive amount")
    return new_entry(
        transaction_hash=deposit.tx_hash,
        height=deposit.height,
        from_address=normalize_pokt_address(from_address),
        to_address=to_address,
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
    if deposit.kind is not DepositKind.MINT or deposit.recipient is None or deposit.sender is None:
        raise ValidationError("only a valid deposit becomes a mint entry")
    return _deposit_entry(
        deposit, vault_address, now,
        from_address=deposit.sender, to_address=deposit.recipient, nonce=None,
        source=MintSource.DEPOSIT.value, source_event=deposit_event(deposit.tx_hash or ""),
    )  # fmt: skip


def refund_entry_document(
    deposit: Classification, vault_address: str, now: datetime | None = None
) -> dict[str, Any]:
    """The ``refunds`` document of an invalid deposit: paid back to its sender, or, unpayable
    (``to_address`` the vault), failed visibly by the payout with ``parts`` for the operator."""
    if deposit.kind is not DepositKind.REFUND or deposit.reason is None:
        raise ValidationError("only a refundable deposit becomes a refund entry")
    return _deposit_entry(
        deposit,
        vault_address,
        now,
        from_address=deposit.refund_from(vault_address),
        to_address=deposit.refund_to(vault_address),
        sequence=None,
        reason=str(deposit.reason),
        parts=[part.to_document() for part in deposit.parts],
    )


def entry_document(
    deposit: Classification, vault_address: str, now: datetime | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(collection, document) for a mint or refund; None for an ignored tx."""
    if deposit.kind is DepositKind.MINT:
        return MINTS, mint_entry_document(deposit, vault_address, now)
    if deposit.kind is DepositKind.REFUND:
        return REFUNDS, refund_entry_document(deposit, vault_address, now)
    return None


READ_CHUNK = 200  # tx hashes per query
Built = tuple[str, dict[str, Any]]  # (collection, entry document), as ``entry_document`` builds


def entry_key(collection: str, document: Mapping[str, Any]) -> tuple[str, ...]:
    """The entry's unique key (``db.schema.UNIQUE_KEYS``), as the index compares it."""
    return (collection, *(repr(document.get(name)) for name in UNIQUE_KEYS[collection]))


def recorded_entries(
    db: Database[dict[str, Any]],
    window: Sequence[Built],
    projection: Mapping[str, Any] | None = None,
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The entries already recorded for the deposits of ``window``, by ``entry_key``: one query
    per collection and chunk of tx hashes."""
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    wanted = dict(projection or {}) or None
    if wanted is not None:
        wanted.update(dict.fromkeys(UNIQUE_KEYS[MINTS] + UNIQUE_KEYS[REFUNDS], 1))
    for collection in sorted({c for c, _ in window}):
        hashes = sorted({d["transaction_hash"] for c, d in window if c == collection})
        for at in range(0, len(hashes), READ_CHUNK):
            query = {"transaction_hash": {"$in": hashes[at : at + READ_CHUNK]}}
            try:
                documents = list(db[collection].find(query, projection=wanted))
            except (PyMongoError, BSONError) as exc:  # BSONError: a document Python can't decode
                raise DatabaseError(
                    f"{collection}: reading recorded deposits failed: {exc}"
                ) from None
            found.update({entry_key(collection, d): d for d in documents})
    return found
