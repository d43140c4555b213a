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

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.schema import ENTRY_COLLECTIONS, RESERVATIONS, Status
from wpokt_node.errors import DatabaseError, NotReadyError

Document = dict[str, Any]

MINT_NONCE = "mint-nonce"
VAULT_SEQUENCE = "vault-sequence"
MAX_AHEAD = 1000  # numbers tried past ``first`` before giving up (never plausible)
_WINDOW = 32  # numbers whose reservations one read fetches
ENTRY_ID_TYPES = (ObjectId, str, int)  # what an entry's ``_id`` can be
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
    this entry's own. The reservations of a window of numbers and their holders are read at
    once; the claim itself is an insert or a compare-and-set, so a read that is out of date
    only costs a retry."""
    try:
        for start in range(first, first + MAX_AHEAD, _WINDOW):
            numbers = range(start, min(start + _WINDOW, first + MAX_AHEAD))
            booked = holders(db, kind, scope, numbers)
            entries = holder_entries(db, booked.values())
            for number in numbers:
                current = booked.get(number)
                claim = _Claim(kind, scope, number, collection, entry_id)
                if current is None:
                    if number not in taken and claim.insert(db):
                        return number
                    current = claim.read(db)  # inserted by another meanwhile, or taken
                    if current is None:
                        continue
                    stale = True  # not read with the window: let ``_take_over_if_stale`` decide
                else:
                    stale = holder_is_stale(current, holder_entry(entries, current), number_field)
                if is_reserved_for(current, collection, entry_id):
                    return number
                if stale and _take_over_if_stale(db, claim, number_field):
                    return number
    except PyMongoError as exc:
        raise DatabaseError(f"reservations: {kind} allocation failed: {exc}") from None
    raise NotReadyError(f"no free {kind} for {scope} within {MAX_AHEAD} of {first}")


@dataclass(frozen=True, slots=True)
class _Claim:
    kind: str
    scope: str
    number: int
    collection: str
    entry_id: ObjectId

    @property
    def key(self) -> str:
        return reservation_id(self.kind, self.scope, self.number)

    def document(self) -> Document:
        return {"_id": self.key, "kind": self.kind, "scope": self.scope, "number": self.number,
                "collection": self.collection, "entry_id": self.entry_id}  # fmt: skip

    def insert(self, db: Database[Document]) -> bool:
        try:
            db[RESERVATIONS].insert_one(self.document())
        except DuplicateKeyError:
            return False
        return True

    def read(self, db: Database[Document]) -> Document | None:
        return db[RESERVATIONS].find_one({"_id": self.key})

    def take_over(self, db: Database[Document], current: Document) -> bool:
        """Replace ``current`` (stale) unless someone replaced it since it was read. ``$in``
        compares the id as a value, whatever it is (a forged operator document included)."""
        replaced = db[RESERVATIONS].replace_one(
            {"_id": self.key, "entry_id": {"$in": [current.get("entry_id")]}}, self.document()
        )
        return replaced.modified_count == 1


def _take_over_if_stale(db: Database[Document], claim: _Claim, number_field: str) -> bool:
    """Take the number over if, read again now, its reservation's holder still cannot use it
    (the window's read may be many round trips old: a holder revived meanwhile keeps it)."""
    current = claim.read(db)
    if current is None:
        return False
    holder = holder_entry(holder_entries(db, [current]), current)
    return holder_is_stale(current, holder, number_field) and claim.take_over(db, current)


def holder_is_stale(reservation: Document, holder: Document | None, number_field: str) -> bool:
    """Whether the holder of ``reservation`` (``holder``, its entry as read; None: there is
    none) can no longer use its number: the entry is gone, ``failed``, or holds another
    number, or the reservation names no entry collection (forged)."""
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


def holder_entries(
    db: Database[Document], booked: Iterable[Document]
) -> dict[tuple[str, object], Document]:
    """The entries the reservations ``booked`` name, by (collection, id): a read per collection.
    A reservation naming no entry collection, or an id of a type no entry has, names none."""
    ids: dict[str, list[object]] = {}
    for reservation in booked:
        name, entry_id = reservation.get("collection"), reservation.get("entry_id")
        if name in ENTRY_COLLECTIONS and isinstance(entry_id, ENTRY_ID_TYPES):
            ids.setdefault(str(name), []).append(entry_id)
    found: dict[tuple[str, object], Document] = {}
    try:
        for collection, entry_ids in ids.items():
            for document in db[collection].find({"_id": {"$in": entry_ids}}):
                found[(collection, document["_id"])] = document
    except PyMongoError as exc:
        raise DatabaseError(f"reservations: reading their holders failed: {exc}") from None
    return found


def holder_entry(
    entries: Mapping[tuple[str, object], Document], reservation: Document
) -> Document | None:
    """The entry ``reservation`` names, from ``holder_entries``; None if there is none."""
    entry_id = reservation.get("entry_id")
    if not isinstance(entry_id, ENTRY_ID_TYPES):
        return None
    return entries.get((str(reservation.get("collection")), entry_id))
