"""Writes on entries that are safe under races between nodes: idempotent insert and
add-signature (at most one signature per node per entry)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.query import match
from wpokt_node.db.schema import UNIQUE_KEYS, Status, entry_collection
from wpokt_node.errors import DatabaseError, ValidationError

Document = dict[str, Any]


@dataclass(frozen=True)
class InsertOutcome:
    inserted: bool
    id: Any  # the _id of the stored document (ours if inserted, the existing one otherwise)


def insert_once(
    collection: Collection[Document],
    document: Mapping[str, Any],
    *,
    key_fields: Sequence[str] | None = None,
) -> InsertOutcome:
    """Insert ``document`` unless a document with the same unique key is already recorded.

    The key defaults to the collection's unique index (``schema.UNIQUE_KEYS``). A duplicate key
    error means "already recorded"; the existing document is then looked up by the key fields
    (never by the error's details, which some servers do not provide).
    """
    fields = tuple(key_fields or UNIQUE_KEYS.get(collection.name, ("_id",)))
    missing = [f for f in fields if f not in document and f != "_id"]
    if missing:
        raise ValidationError(f"{collection.name}: document lacks unique key field(s) {missing}")
    to_insert = dict(document)
    try:
        result = collection.insert_one(to_insert)
        return InsertOutcome(inserted=True, id=result.inserted_id)
    except DuplicateKeyError:
        pass
    except PyMongoError as exc:
        raise DatabaseError(f"{collection.name}: insert failed: {exc}") from None
    lookups: list[dict[str, Any]] = []
    if "_id" not in fields:
        lookups.append(match({f: document[f] for f in fields}))
    if "_id" in to_insert:
        lookups.append({"_id": to_insert["_id"]})
    for query in lookups:
        existing = collection.find_one(query, projection={"_id": 1})
        if existing is not None:
            return InsertOutcome(inserted=False, id=existing["_id"])
    raise DatabaseError(
        f"{collection.name}: insert reported a duplicate key but no document matches the key "
        f"fields {list(fields)}; is another unique index in the way?"
    )


class Unset:
    """No value given (``None`` means: the entry has no ``audit_seq`` yet)."""


UNSET = Unset()


def add_signature(
    db: Database[Document],
    collection_name: str,
    entry_id: ObjectId,
    *,
    expected: Status,
    node_id: str,
    signer: str,
    signature: str,
    audit_seq: int | Unset | None = UNSET,
) -> bool:
    """Record ``node_id``'s signature on the entry if it is in status ``expected`` and the node
    has not signed it yet. One atomic update; True if this call added the signature.

    ``audit_seq``: the entry's as the signer read it. Given, the signature is added only if the
    entry has not moved since (a re-prepare in between gave it another payload, and this
    signature, of the old one, would count as this node's for ever: it would not sign again)."""
    entry_collection(collection_name)
    if not node_id or not signer or not signature:
        raise ValidationError("node_id, signer and signature must be non-empty")
    # ``$nin`` rather than ``$ne`` on the array, and ``$addToSet`` rather than ``$push`` for the
    # signature object: same meaning on MongoDB, and the forms nx-27017 implements correctly.
    try:
        query: dict[str, Any] = {
            "_id": entry_id,
            "status": expected.value,
            "signers": {"$nin": [node_id]},
        }
        if not isinstance(audit_seq, Unset):
            query["audit_seq"] = {"$exists": False} if audit_seq is None else audit_seq
        result = db[collection_name].update_one(
            query,
            {
                "$addToSet": {
                    "signers": node_id,
                    "signatures": {"node_id": node_id, "signer": signer, "signature": signature},
                },
                "$currentDate": {"updated_at": True},
            },
        )
    except PyMongoError as exc:
        raise DatabaseError(f"{collection_name}: add signature failed: {exc}") from None
    return result.modified_count == 1
