"""Nonces and vault sequences, reserved once per entry in ``reservations``.

A reservation ``{_id: "<kind>:<scope>:<number>", kind, scope, number, collection, entry_id}`` is
unique by ``_id``, so two entries can never hold the same mint nonce (``mint-nonce``, scope =
recipient) or vault sequence (``vault-sequence``, scope = vault), even if the allocation lease
failed. An entry that reserved a number before a crash gets the same number again.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.query import eq
from wpokt_node.db.schema import RESERVATIONS
from wpokt_node.errors import DatabaseError, NotReadyError

Document = dict[str, Any]

MINT_NONCE = "mint-nonce"
VAULT_SEQUENCE = "vault-sequence"
MAX_AHEAD = 1000  # numbers tried past ``first`` before giving up (never plausible)


def reservation_id(kind: str, scope: str, number: int) -> str:
    return f"{kind}:{scope}:{number}"


def reserve(
    db: Database[Document],
    *,
    kind: str,
    scope: str,
    collection: str,
    entry_id: ObjectId,
    first: int,
    keep_from: int = 0,
) -> int:
    """The number reserved for ``entry_id``: its own earlier reservation if one is at least
    ``keep_from``, else the lowest free number from ``first`` on."""
    reservations = db[RESERVATIONS]
    try:
        mine = reservations.find(
            {"entry_id": eq(entry_id), "kind": kind, "scope": scope},
            projection={"number": 1, "collection": 1},
        )
        kept = sorted(
            int(r["number"])
            for r in mine
            if r.get("collection") == collection and int(r["number"]) >= keep_from
        )
        if kept:
            return kept[0]
        for number in range(first, first + MAX_AHEAD):
            claimed = _claim(
                db, kind=kind, scope=scope, collection=collection, entry_id=entry_id, number=number
            )
            if claimed:
                return number
    except PyMongoError as exc:
        raise DatabaseError(f"reservations: {kind} allocation failed: {exc}") from None
    raise NotReadyError(f"no free {kind} for {scope} within {MAX_AHEAD} of {first}")


def _claim(
    db: Database[Document],
    *,
    kind: str,
    scope: str,
    collection: str,
    entry_id: ObjectId,
    number: int,
) -> bool:
    key = reservation_id(kind, scope, number)
    try:
        db[RESERVATIONS].insert_one(
            {
                "_id": key,
                "kind": kind,
                "scope": scope,
                "number": number,
                "collection": collection,
                "entry_id": entry_id,
            }
        )
    except DuplicateKeyError:
        holder = db[RESERVATIONS].find_one({"_id": key})
        return is_reserved_for(holder, collection, entry_id)
    return True


def is_reserved_for(reservation: Document | None, collection: str, entry_id: object) -> bool:
    return (
        reservation is not None
        and reservation.get("entry_id") == entry_id
        and reservation.get("collection") == collection
    )


def holder(db: Database[Document], kind: str, scope: str, number: int) -> Document | None:
    """The reservation of ``number``, or None."""
    try:
        return db[RESERVATIONS].find_one({"_id": reservation_id(kind, scope, number)})
    except PyMongoError as exc:
        raise DatabaseError(f"reservations: read failed: {exc}") from None
