"""Entries as typed values: read from a document once (``from_document``), written back as one
(``new_entry``). Whatever the untrusted database holds is checked here, where it enters.

An entry is one payout to make: a mint of a deposit or a burn's return (``mints``), a burn
payout or a refund (``burns``, ``refunds``). Its ``order`` is the payload its custody back end
fixed at ``started``; the state machine treats it as opaque and compares it only with its own
rebuild.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from wpokt_node.amounts import amount_from_db, amount_to_db
from wpokt_node.db.clock import utc_now
from wpokt_node.db.schema import MINTS, MintSource, Status, entry_collection
from wpokt_node.errors import ValidationError

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """One node's signature as stored on an entry (``signatures`` array)."""

    node_id: str
    signer: str
    signature: str

    def to_document(self) -> dict[str, str]:
        return {"node_id": self.node_id, "signer": self.signer, "signature": self.signature}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SignatureRecord:
        return cls(
            node_id=str(document.get("node_id", "")),
            signer=str(document.get("signer", "")),
            signature=str(document.get("signature", "")),
        )


@dataclass(frozen=True, slots=True)
class RetiredOrder:
    """An earlier order of the entry that the chain proved dead (``retired_orders``)."""

    order: Mapping[str, Any]
    execution_tx_hash: str | None

    @classmethod
    def from_document(cls, document: object) -> RetiredOrder | None:
        if not isinstance(document, Mapping) or not isinstance(document.get("order"), Mapping):
            return None
        recorded = document.get("execution_tx_hash")
        return cls(document["order"], recorded if isinstance(recorded, str) else None)


def number_field(collection: str) -> str:
    """Where an entry keeps its allocated number: a mint's nonce, a release's vault sequence."""
    return "nonce" if collection == "mints" else "sequence"


def _optional_int(document: Mapping[str, Any], name: str) -> int | None:
    """A whole number, also when stored as a double (``mongosh`` writes numbers as doubles) or
    as decimal digits; ValidationError for anything else."""
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} is not an integer: {str(value)[:40]!r}")
    return value


def _mint_source(collection: str, document: Mapping[str, Any]) -> MintSource | None:
    """A mint's ``source`` (absent: a deposit, recorded before it existed); ValidationError
    for a value no node writes."""
    if collection != MINTS:
        return None
    value = document.get("source")
    if value is None:
        return MintSource.DEPOSIT
    try:
        return MintSource(value)
    except ValueError:
        raise ValidationError(f"unknown mint source {str(value)[:40]!r}") from None


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _optional_text(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of ``mints``, ``burns`` or ``refunds`` as read from the database.

    ``number`` is the entry's allocated nonce (mints) or vault sequence (releases);
    ``document`` keeps the whole stored document for the fields only one back end reads
    (e.g. the recorded raw execution tx).
    """

    collection: str
    id: ObjectId
    status: Status
    transaction_hash: str
    height: int
    from_address: str
    to_address: str
    amount: int
    signers: tuple[str, ...]
    signatures: tuple[SignatureRecord, ...]
    order: Mapping[str, Any] | None
    number: int | None
    execution_tx_hash: str | None
    burn_index: int | None = None
    reason: str | None = None
    source: MintSource | None = None  # mints only: a deposit, or a burn's return
    held: str | None = None
    held_detail: str | None = None
    retired_orders: tuple[RetiredOrder, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_document(cls, collection: str, document: Mapping[str, Any]) -> Entry:
        """The typed entry; ValidationError when a field the payout needs is malformed."""
        entry_collection(collection)
        try:
            status = Status(str(document.get("status")))
        except ValueError:
            raise ValidationError(f"unknown status {document.get('status')!r}") from None
        order = document.get("order")
        signatures = document.get("signatures")
        retired = document.get("retired_orders")
        return cls(
            collection=collection,
            id=document["_id"],
            status=status,
            transaction_hash=str(document.get("transaction_hash", "")),
            height=_optional_int(document, "height") or 0,
            from_address=str(document.get("from_address", "")),
            to_address=str(document.get("to_address", "")),
            amount=amount_from_db(document.get("amount")),
            signers=_texts(document.get("signers")),
            signatures=tuple(
                SignatureRecord.from_document(s)
                for s in (signatures if isinstance(signatures, list) else ())
                if isinstance(s, Mapping)
            ),
            order=order if isinstance(order, Mapping) else None,
            number=_optional_int(document, number_field(collection)),
            execution_tx_hash=_optional_text(document, "execution_tx_hash"),
            burn_index=_optional_int(document, "burn_index"),
            reason=_optional_text(document, "reason"),
            source=_mint_source(collection, document),
            held=_optional_text(document, "held"),
            held_detail=_optional_text(document, "held_detail"),
            retired_orders=tuple(
                r for r in (RetiredOrder.from_document(d) for d in (retired or ())) if r is not None
            )
            if isinstance(retired, list)
            else (),
            document=document,
        )

    @property
    def number_field(self) -> str:
        return number_field(self.collection)

    def signed_by(self, node_id: str) -> bool:
        return node_id in self.signers


def new_entry(
    *,
    transaction_hash: str,
    height: int,
    from_address: str,
    to_address: str,
    amount: int,
    memo: str | None = None,
    confirmations: int = 0,
    now: datetime | None = None,
    **extra: Any,
) -> Document:
    """A fresh ``detected`` entry document with every standard field; ``extra`` adds per-kind
    fields (``burn_index``, ``log_index``, ``block_hash`` for burns, ``reason`` for refunds,
    ``nonce`` / ``sequence`` ...)."""
    stamp = now or utc_now()
    if stamp.tzinfo is None:
        raise ValidationError("entry timestamps must be timezone-aware UTC")
    stamp = stamp.astimezone(UTC)
    document: Document = {
        "_id": ObjectId(),
        "transaction_hash": transaction_hash,
        "height": height,
        "confirmations": confirmations,
        "from_address": from_address,
        "to_address": to_address,
        "amount": amount_to_db(amount),
        "memo": memo,
        "status": Status.DETECTED.value,
        "signers": [],
        "signatures": [],
        "order": None,
        "execution_tx_hash": None,
        "created_at": stamp,
        "updated_at": stamp,
        "error": None,
        "audit_seq": 0,
        "transitions": [],
    }
    document.update(extra)
    return document
