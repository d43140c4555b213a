"""A source event read again by an operator (``admin reobserve``): recorded as a ``detected``
entry unless one is already recorded under the same unique key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from wpokt_node.db.entries import insert_once
from wpokt_node.db.schema import UNIQUE_KEYS

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reobserved:
    """What re-reading one source event found and did."""

    collection: str
    source: str
    entry_id: str | None
    recorded: bool
    status: str | None = None

    def describe(self, dry_run: bool) -> str:
        if self.entry_id is not None and not self.recorded:
            return f"{self.source}: already recorded in {self.collection} as {self.entry_id} " \
                f"(status {self.status}); nothing changed"  # fmt: skip
        if dry_run:
            return f"{self.source}: would be recorded in {self.collection} (dry run)"
        return f"{self.source}: recorded in {self.collection} as {self.entry_id} (detected)"


def find_recorded(db: Database[Document], collection: str, document: Document) -> Document | None:
    """The entry already recorded under ``document``'s unique key, if any."""
    key = {field: document[field] for field in UNIQUE_KEYS[collection]}
    return db[collection].find_one(key, projection={"status": 1})


def record(db: Database[Document], collection: str, document: Document, source: str,
           *, dry_run: bool) -> Reobserved:  # fmt: skip
    """Record ``document`` unless its source event already has an entry (or a dry run)."""
    existing = find_recorded(db, collection, document)
    if existing is not None:
        return Reobserved(collection, source, str(existing["_id"]), False, existing.get("status"))
    if dry_run:
        return Reobserved(collection, source, None, False)
    outcome = insert_once(db[collection], document)
    status = "detected" if outcome.inserted else None
    return Reobserved(collection, source, str(outcome.id), outcome.inserted, status)
