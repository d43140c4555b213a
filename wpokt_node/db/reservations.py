"""Nonces and vault sequences, reserved once per entry in ``reservations``.

A reservation ``{_id: "<kind>:<scope>:<number>", kind, scope, number, collection, entry_id}`` is
unique by ``_id``, so two entries can never hold the same mint nonce (``mint-nonce``, scope =
recipient) or vault sequence (``vault-sequence``, scope = vault), even if the allocation lease
failed. An entry that reserved a number before a crash gets the same number again.

A reservation whose holder can no longer use its number is *stale* and is taken over by the
next entry that needs one: the holder entry is gone (deleted), ``failed``, or has moved on to
another number. This is what keeps a forged or deleted entry from stranding the numbers after
it; it is safe because the chain executes at most one payload per number (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.query import eq
from wpokt_node.db.schema import ENTRY_COLLECTIONS, RESERVATIONS, Status
from wpokt_node.errors import DatabaseError, NotReadyError

Document = dict[str, Any]

MINT_NONCE = "mint-nonce"
VAULT_SEQUENCE = "vault-sequence"
MAX_AHEAD = 1000  # numbers tried past ``first`` before giving up (never plausible)
_USING = (Status.STARTED.value, Status.SIGNED.value, Status.EXECUTED.value)


def reservation_id(kind: str, scope: str, number: int) -> str:
    return f"{kind}:{scope}:{number}"


def reserve(
    db: Database[Document],
    *,
    kind: str,
    scope: str,
    collection: str,
    entry_id: ObjectId,
    number_field: str,
    first: int,
    taken: Collection[int] = (),
) -> int:
    """The lowest number from ``first`` on that is ``entry_id``'s own, free, or stale (then
    taken over); numbers in ``taken`` (held by open entries) are passed over unless they are
    this entry's own."""
    try:
        for number in range(first, first + MAX_AHEAD):
            if _claim(
                db,
                kind=kind,
                scope=scope,
                collection=collection,
                entry_id=entry_id,
                number=number,
                number_field=number_field,
                taken=number in taken,
            ):
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
    number_field: str,
    taken: bool,
) -> bool:
    key = reservation_id(kind, scope, number)
    document = {
        "_id": key,
        "kind": kind,
        "scope": scope,
        "number": number,
        "collection": collection,
        "entry_id": entry_id,
    }
    reservations = db[RESERVATIONS]
    current = reservations.find_one({"_id": key})
    if current is None:
        if taken:
            return False
        try:
            reservations.insert_one(document)
            return True
        except DuplicateKeyError:
            current = reservations.find_one({"_id": key})
    if current is None or is_reserved_for(current, collection, entry_id):
        return current is not None
    if not is_stale(db, current, number_field):
        return False
    replaced = reservations.replace_one(
        {"_id": key, "entry_id": eq(current.get("entry_id"))}, document
    )
    return replaced.modified_count == 1


def is_stale(db: Database[Document], reservation: Document, number_field: str) -> bool:
    """Whether the holder of ``reservation`` can no longer use its number: the entry is gone,
    ``failed``, or holds another number."""
    name = reservation.get("collection")
    if name not in ENTRY_COLLECTIONS:
        return True  # a reservation naming no entry collection is forged
    holder = db[str(name)].find_one(
        {"_id": eq(reservation.get("entry_id"))}, projection={"status": 1, number_field: 1}
    )
    return holder_is_stale(reservation, holder, number_field)


def holder_is_stale(reservation: Document, holder: Document | None, number_field: str) -> bool:
    """``is_stale`` with the holder entry already read (None: there is none)."""
    if reservation.get("collection") not in ENTRY_COLLECTIONS:
        return True
    if holder is None or holder.get("status") == Status.FAILED.value:
        return True
    moved_on = holder.get(number_field) != reservation.get("number")
    return holder.get("status") in _USING and moved_on


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


def holders(
    db: Database[Document], kind: str, scope: str, numbers: Collection[int]
) -> dict[int, Document]:
    """The reservations of ``numbers`` that exist, by number, in one read."""
    by_id = {reservation_id(kind, scope, number): number for number in numbers}
    try:
        found = list(db[RESERVATIONS].find({"_id": {"$in": list(by_id)}})) if by_id else []
    except PyMongoError as exc:
        raise DatabaseError(f"reservations: read failed: {exc}") from None
    return {by_id[r["_id"]]: r for r in found if r.get("_id") in by_id}
