"""The rolling 24 h mint cap across the cluster (``caps.daily_mint_cap_upokt``).

The window holds every mint that entered ``started`` in the last 24 h and has not failed
(``executed`` ones by their ``started_at_ms``), plus every open mint (``started``,
``signed``: it is about to mint, however old). Two checks use it:

- The allocating node (``confirmed -> started``) starts a mint only if the window's sum plus
  its amount stays within the cap; otherwise the entry stays ``confirmed`` with
  ``held: "daily_mint_cap"`` until older mints leave the window.
- Every signer orders the window by (``started_at_ms``, id) and signs a mint only if the
  running sum up to and including it stays within the cap, so a mint started past the cap
  (a race, a bug, a node without the cap) gathers no signatures until the window allows.

Times come from the database, which is untrusted: the cap guards against bugs and runaway
minting, not against someone who can edit the database (docs/security.md); the
MintController's on-chain rate limit is the guard that does not depend on the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.amounts import amount_from_db
from wpokt_node.db.schema import MINTS, Status
from wpokt_node.errors import DatabaseError, WpoktError

Document = dict[str, Any]

WINDOW_MS = 24 * 60 * 60 * 1000
HELD_DAILY_CAP = "daily_mint_cap"
HELD_MINT_LIMIT = "mint_limit"
_OPEN = (Status.STARTED.value, Status.SIGNED.value)


@dataclass(frozen=True, slots=True)
class WindowMint:
    started_at_ms: int
    entry_id: str
    amount: int


def _started_at(document: Document, now_ms: int) -> int:
    """An open mint without a readable start time counts as started now (inside the window)."""
    value = document.get("started_at_ms")
    if isinstance(value, bool) or not isinstance(value, int):
        return now_ms
    return min(value, now_ms)


def _amount(document: Document) -> int:
    try:
        return amount_from_db(document.get("amount"))
    except WpoktError:
        return 0


def window_mints(db: Database[Document], now_ms: int) -> list[WindowMint]:
    """Mints in the 24 h window ending at ``now_ms``, oldest first."""
    cutoff = now_ms - WINDOW_MS
    projection = {"amount": 1, "started_at_ms": 1, "status": 1}
    try:
        open_mints = list(db[MINTS].find({"status": {"$in": list(_OPEN)}}, projection=projection))
        executed = list(
            db[MINTS].find(
                {"status": Status.EXECUTED.value, "started_at_ms": {"$gte": cutoff}},
                projection=projection,
            )
        )
    except PyMongoError as exc:
        raise DatabaseError(f"mints: reading the daily cap window failed: {exc}") from None
    found = [
        WindowMint(_started_at(doc, now_ms), str(doc["_id"]), _amount(doc))
        for doc in _dedupe([*open_mints, *executed])
    ]
    return sorted(found, key=lambda m: (m.started_at_ms, m.entry_id))


def _dedupe(documents: Iterable[Document]) -> list[Document]:
    seen: dict[Any, Document] = {}
    for doc in documents:
        seen.setdefault(doc["_id"], doc)
    return list(seen.values())


def minted_in_window(db: Database[Document], now_ms: int) -> int:
    return sum(m.amount for m in window_mints(db, now_ms))


def fits_to_start(db: Database[Document], cap: int, amount: int, now_ms: int) -> bool:
    """May a mint of ``amount`` enter ``started`` now?"""
    return minted_in_window(db, now_ms) + amount <= cap


def fits_to_sign(db: Database[Document], cap: int, entry_id: ObjectId, now_ms: int) -> bool:
    """May this node sign the started mint ``entry_id`` now? The running sum of the window up
    to and including it must stay within the cap (the entry counts even if not found)."""
    key = str(entry_id)
    running = 0
    for mint in window_mints(db, now_ms):
        running += mint.amount
        if mint.entry_id == key:
            return running <= cap
    return False  # not an open mint (it moved on meanwhile): do not sign
