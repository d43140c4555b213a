"""The state machine's reads and writes of entries, besides status transitions: the open
entries of a status (in the order they are worked), the ``held`` note, the execution record
written before a broadcast, and the fields a re-prepare resets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.custody.base import Custody
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import OPEN_STATUSES, Status
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.payout.gates import Hold

log = get_logger(__name__)

Document = dict[str, Any]


class EntryStore:
    def __init__(
        self, db: Database[Document], custodies: Mapping[str, Custody], batch_size: int
    ) -> None:
        self.db = db
        self.custodies = custodies
        self.batch_size = batch_size

    def _find(self, collection: str, status: Status, sort: list[tuple[str, int]]) -> list[Document]:
        try:
            cursor = self.db[collection].find({"status": status.value})
            return list(cursor.sort(sort).limit(self.batch_size))
        except PyMongoError as exc:
            raise DatabaseError(
                f"{collection}: reading {status.value} entries failed: {exc}"
            ) from None

    def statuses_present(self) -> set[Status]:
        """The open statuses that some entry has now: one command per collection, so an idle
        pass costs one round trip per collection, not one per status."""
        present: set[Status] = set()
        for collection in self.custodies:
            try:
                values = self.db[collection].distinct("status", {"status": {"$in": OPEN_STATUSES}})
            except PyMongoError as exc:
                raise DatabaseError(f"{collection}: reading open statuses failed: {exc}") from None
            present.update(Status(v) for v in values if v in OPEN_STATUSES)
        return present

    def open(self, status: Status) -> list[tuple[str, Document]]:
        found = [
            (collection, document)
            for collection in self.custodies
            for document in self._find(collection, status, [("created_at", 1)])
        ]
        found.sort(key=lambda item: _created_key(item[1]))
        return found[: self.batch_size]

    def open_signed(self) -> list[tuple[str, Document]]:
        """Signed entries in the order the chain can accept them (nonce / sequence order)."""
        keyed: list[tuple[tuple[Any, ...], str, Document]] = []
        for collection, custody in self.custodies.items():
            for document in self._find(collection, Status.SIGNED, [(custody.number_field, 1)]):
                try:
                    key: tuple[Any, ...] = (
                        0,
                        custody.queue_key(Entry.from_document(collection, document)),
                    )
                except ValidationError:
                    key = (1,)  # unreadable entries last; their step reports why
                keyed.append((key, collection, document))
        keyed.sort(key=lambda item: item[0])
        return [(c, d) for _, c, d in keyed[: self.batch_size]]

    def read(self, collection: str, entry_id: object) -> Document | None:
        try:
            return self.db[collection].find_one({"_id": entry_id})
        except PyMongoError as exc:
            raise DatabaseError(f"{collection}: read failed: {exc}") from None

    def reload(self, entry: Entry) -> Entry | None:
        document = self.read(entry.collection, entry.id)
        return None if document is None else Entry.from_document(entry.collection, document)

    def hold(self, entry: Entry, hold: Hold | None) -> None:
        """Show on the entry why it waits, or clear it; writes only on a change."""
        held, detail = (hold.code, hold.detail) if hold else (None, None)
        if entry.held == held and entry.held_detail == detail:
            return
        if hold is not None:
            log.info("entry held", entry_id=str(entry.id), held=held, detail=detail)
        try:
            self.db[entry.collection].update_one(
                {"_id": entry.id, "status": entry.status.value},
                {"$set": {"held": held, "held_detail": detail}},
            )
        except PyMongoError as exc:
            raise DatabaseError(f"{entry.collection}: recording held state failed: {exc}") from None

    def record_execution(
        self, entry: Entry, tx_hash: str, fields: Mapping[str, Any], replaces: str | None
    ) -> bool:
        """Store the execution tx before it is broadcast; only over nothing, itself, or the tx
        the chain proved unable to land (``replaces``). False: another node recorded one first."""
        allowed = [None, tx_hash] + ([replaces] if replaces else [])
        try:
            result = self.db[entry.collection].update_one(
                {
                    "_id": entry.id,
                    "status": Status.SIGNED.value,
                    "execution_tx_hash": {"$in": allowed},
                },
                {
                    "$set": {"execution_tx_hash": tx_hash, **fields},
                    "$currentDate": {"updated_at": True},
                },
            )
        except PyMongoError as exc:
            raise DatabaseError(
                f"{entry.collection}: recording the execution failed: {exc}"
            ) from None
        return result.matched_count == 1


def _created_key(document: Mapping[str, Any]) -> float:
    value = document.get("created_at")
    return value.timestamp() if isinstance(value, datetime) else 0.0
