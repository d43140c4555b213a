"""Named leases with expiry: at most one holder at a time, taken over once expired.

A lease document is ``{_id: name, holder, expires_at_ms, generation}``. ``generation`` is a
version number incremented by every write (acquire, renew, release), so it doubles as a fencing
token. A lease that does not exist yet is created by an insert on ``_id`` (duplicate key: someone
else got it first); an existing one is taken over by a compare-and-set on ``generation`` after
reading that it is expired (or ours). Renew and release are single updates filtered on the
holder. Expiry is stored as epoch milliseconds from the writing node's UTC clock.

Clock assumption: node clocks are NTP-synchronised, with skew much smaller than the TTL. A node
whose clock runs ahead can take over a lease early; this only costs duplicated work, because
correctness never depends on a lease: the real guards are the ``reservations`` collection (one
entry per mint nonce or vault sequence), the token contract (each recipient's mint nonce is used
once) and the Pocket chain (each vault sequence is used once); see docs/security.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.clock import now_ms
from wpokt_node.db.schema import LEASES
from wpokt_node.errors import DatabaseError, NotReadyError, ValidationError

Document = dict[str, Any]


def _check(name: str, holder: str, ttl_s: float | None = None) -> None:
    if not name or not holder:
        raise ValidationError("lease name and holder must be non-empty")
    if ttl_s is not None and not 0 < ttl_s <= 86_400:
        raise ValidationError(f"lease ttl must be in (0, 86400] seconds, got {ttl_s}")


def acquire(db: Database[Document], name: str, holder: str, ttl_s: float) -> bool:
    """Take the lease if it is free, expired, or already ours (then it is extended)."""
    _check(name, holder, ttl_s)
    leases = db[LEASES]
    try:
        current = leases.find_one({"_id": name})
        if current is None:
            try:
                leases.insert_one(
                    {
                        "_id": name,
                        "holder": holder,
                        "expires_at_ms": now_ms() + int(ttl_s * 1000),
                        "generation": 1,
                    }
                )
                return True
            except DuplicateKeyError:
                current = leases.find_one({"_id": name})
                if current is None:
                    return False
        now = now_ms()
        if current.get("holder") != holder and int(current.get("expires_at_ms", 0)) > now:
            return False
        # Compare-and-set on the generation: if anyone acquired, renewed or released since
        # our read, the generation moved and this update matches nothing.
        result = leases.update_one(
            {"_id": name, "generation": current.get("generation")},
            {
                "$set": {"holder": holder, "expires_at_ms": now + int(ttl_s * 1000)},
                "$inc": {"generation": 1},
            },
        )
        return result.matched_count == 1
    except PyMongoError as exc:
        raise DatabaseError(f"lease {name!r}: acquire failed: {exc}") from None


def renew(db: Database[Document], name: str, holder: str, ttl_s: float) -> bool:
    """Extend our lease; False if another node holds it now (we lost it)."""
    _check(name, holder, ttl_s)
    try:
        result = db[LEASES].update_one(
            {"_id": name, "holder": holder},
            {"$set": {"expires_at_ms": now_ms() + int(ttl_s * 1000)}, "$inc": {"generation": 1}},
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
            {"$set": {"expires_at_ms": 0}, "$inc": {"generation": 1}},
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


@contextmanager
def held(db: Database[Document], name: str, holder: str, ttl_s: float) -> Iterator[None]:
    """Hold the lease for the block, or raise NotReadyError if another node holds it."""
    if not acquire(db, name, holder, ttl_s):
        raise NotReadyError(f"lease {name} is held by another node; try again later")
    try:
        yield
    finally:
        release(db, name, holder)
