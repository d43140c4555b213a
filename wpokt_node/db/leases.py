"""Named leases with expiry: at most one holder at a time, taken over once expired.

A lease document is ``{_id: name, holder, expires_at_ms, generation}``. Every change is one
atomic conditional write: take-over is an update filtered on "expired or already mine", and a
lease that does not exist yet is created by an insert on ``_id`` (duplicate key: someone else
got it first). Expiry is stored as epoch milliseconds from the writing node's UTC clock.

Clock assumption: node clocks are NTP-synchronised, with skew much smaller than the TTL. A node
whose clock runs ahead can take over a lease early; this only costs duplicated work, because
correctness never depends on a lease (DESIGN §4: the contract nonce and the vault sequence are
the real guards). ``generation`` increases with every successful acquire (a fencing token).
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.clock import now_ms
from wpokt_node.db.schema import LEASES
from wpokt_node.errors import DatabaseError, ValidationError

Document = dict[str, Any]


def _check(name: str, holder: str, ttl_s: float | None = None) -> None:
    if not name or not holder:
        raise ValidationError("lease name and holder must be non-empty")
    if ttl_s is not None and not 0 < ttl_s <= 86_400:
        raise ValidationError(f"lease ttl must be in (0, 86400] seconds, got {ttl_s}")


def acquire(db: Database[Document], name: str, holder: str, ttl_s: float) -> bool:
    """Take the lease if it is free, expired, or already ours (then it is extended)."""
    _check(name, holder, ttl_s)
    now = now_ms()
    expires = now + int(ttl_s * 1000)
    leases = db[LEASES]
    try:
        doc = leases.find_one_and_update(
            {"_id": name, "$or": [{"holder": holder}, {"expires_at_ms": {"$lte": now}}]},
            {"$set": {"holder": holder, "expires_at_ms": expires}, "$inc": {"generation": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return bool(doc.get("holder") == holder)
        try:
            leases.insert_one(
                {"_id": name, "holder": holder, "expires_at_ms": expires, "generation": 1}
            )
        except DuplicateKeyError:
            return False
        return True
    except PyMongoError as exc:
        raise DatabaseError(f"lease {name!r}: acquire failed: {exc}") from None


def renew(db: Database[Document], name: str, holder: str, ttl_s: float) -> bool:
    """Extend our lease; False if another node holds it now (we lost it)."""
    _check(name, holder, ttl_s)
    try:
        result = db[LEASES].update_one(
            {"_id": name, "holder": holder},
            {"$set": {"expires_at_ms": now_ms() + int(ttl_s * 1000)}},
        )
    except PyMongoError as exc:
        raise DatabaseError(f"lease {name!r}: renew failed: {exc}") from None
    return result.matched_count == 1


def release(db: Database[Document], name: str, holder: str) -> bool:
    """Give the lease up now (it stays recorded, expired); False if we did not hold it."""
    _check(name, holder)
    try:
        result = db[LEASES].update_one(
            {"_id": name, "holder": holder, "expires_at_ms": {"$gt": 0}},
            {"$set": {"expires_at_ms": 0}},
        )
    except PyMongoError as exc:
        raise DatabaseError(f"lease {name!r}: release failed: {exc}") from None
    return result.matched_count == 1


def holder_of(db: Database[Document], name: str) -> str | None:
    """The current, unexpired holder, or None."""
    try:
        doc = db[LEASES].find_one({"_id": name})
    except PyMongoError as exc:
        raise DatabaseError(f"lease {name!r}: read failed: {exc}") from None
    if doc is None or int(doc.get("expires_at_ms", 0)) <= now_ms():
        return None
    return str(doc["holder"])
