"""The pokt-watcher's re-scan window: every deposit behind the cursor has one live entry.

The shared database is not trusted: an entry can be deleted after the watcher recorded it, or
its unique key taken first by a forged document that then fails ("source gone"). So every
``pocket.rescan_interval_s`` the watcher reads the vault's deposits of the last
``pocket.rescan_blocks`` blocks behind its cursor again and, for each one that is a mint or a
refund by this node's rules: records it again if its entry is missing, and revives its entry
(failed -> detected, with the chain's fields) if it was failed as absent, and offers it to
the node's claim queue if it claims to be executed (``payout.claims``: the mint executor
believes it only if the chain shows the payout). Entries that are open are repaired by the
payout machine from the chain; nothing here pays anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.config import Settings
from wpokt_node.custody.source_events import deposit_event
from wpokt_node.db.entries import insert_once
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import SOURCE_GONE, Status
from wpokt_node.db.transitions import revive_entry
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.mint.entries import entry_document, entry_key, recorded_entries
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import classify_for_vaults
from wpokt_node.pokt.deposits import DepositRules

log = get_logger(__name__)

Document = dict[str, Any]
SOURCE_FIELDS = ("from_address", "to_address", "amount", "height", "memo", "vault_address")


class DepositRescan:
    def __init__(
        self,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        rules: DepositRules,
        *,
        clock: Callable[[], float] = time.monotonic,
        claims: ClaimQueue | None = None,
        all_rules: Sequence[DepositRules] = (),
        start_height: int | None = None,
    ) -> None:
        """``rules``: the vault re-scanned; ``all_rules``: every watched vault's (the current
        one first), to record a tx against the vault it paid (default: only ``rules``)."""
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.rules = rules
        self.all_rules = tuple(all_rules) or (rules,)
        self.start_height = start_height or settings.pocket.start_height
        self.clock = clock
        self.claims = claims
        self._last: float | None = None

    def due(self) -> bool:
        if self.settings.pocket.rescan_blocks == 0:
            return False
        return (
            self._last is None
            or self.clock() - self._last >= self.settings.pocket.rescan_interval_s
        )

    def guarded_run(self, cursor: int) -> dict[str, int]:
        """``run``, whose database trouble (an entry no one can read, in its window) never keeps
        the watcher from recording new deposits: it is tried again an interval later."""
        try:
            return self.run(cursor)
        except DatabaseError as exc:
            self._last = self.clock()
            log.error("deposit re-scan failed", alert=True, error=str(exc)[:300])
            return {"rescan_failed": 1}

    def run(self, cursor: int) -> dict[str, int]:
        """Re-check the window that ends at ``cursor`` (the last height fully scanned)."""
        pocket = self.settings.pocket
        first = max(self.start_height, cursor - pocket.rescan_blocks + 1)
        counts = {"rescanned": 0, "rerecorded": 0, "revived": 0, "offered": 0}
        window: list[tuple[str, Document]] = []
        for response in self.pokt.search_transfers_to(self.rules.vault_address, first):
            verdict, paid = classify_for_vaults(response, self.all_rules)
            if verdict.height is not None and verdict.height > cursor:
                break
            built = entry_document(verdict, paid.vault_address)
            if built is not None:
                window.append(built)
        stored = recorded_entries(self.db, window)
        for collection, document in window:
            counts["rescanned"] += 1
            try:
                outcome = self._check(
                    collection, document, stored.get(entry_key(collection, document))
                )
            except DatabaseError as exc:  # one deposit's trouble never stops the re-scan
                log.error("re-scan of a deposit failed", alert=True, error=str(exc),
                          transaction_hash=document["transaction_hash"])  # fmt: skip
                continue
            if outcome is not None:
                counts[outcome] += 1
        self._last = self.clock()
        return counts

    def _check(self, collection: str, document: Document, existing: Document | None) -> str | None:
        if existing is None:
            if not insert_once(self.db[collection], document).inserted:
                return None
            tx_hash = document["transaction_hash"]
            log.error("deposit recorded again: its entry was missing", alert=True,
                      collection=collection, transaction_hash=tx_hash)  # fmt: skip
            return "rerecorded"
        if _malformed(collection, existing):
            self._unblock(collection, existing["_id"], document)  # failed as absent now
        elif existing.get("status") == Status.EXECUTED.value:
            event = deposit_event(str(document["transaction_hash"]))
            offered = self.claims is not None and self.claims.offer(
                collection, event, existing["_id"], existing.get("execution_tx_hash")
            )
            return "offered" if offered else None
        elif existing.get("status") != Status.FAILED.value:
            return None  # open: the payout machine checks it against the chain
        revived = revive_entry(
            self.db,
            collection,
            existing["_id"],
            node_id=self.settings.node_id,
            reason="the deposit is on chain",
            fields={name: document[name] for name in SOURCE_FIELDS if name in document},
        )
        if not revived:
            return None
        log.error("deposit entry revived: it was failed as absent", alert=True,
                  collection=collection, entry_id=str(existing["_id"]))  # fmt: skip
        return "revived"

    def _unblock(self, collection: str, entry_id: object, document: Document) -> None:
        """An entry the payout machine cannot read (garbled in the database) holds the key of
        a real deposit: its source fields are written back from the chain and it is marked
        failed as absent, so that the next re-scan revives it through the ordinary path."""
        fields = {name: document[name] for name in SOURCE_FIELDS if name in document}
        try:
            self.db[collection].update_one(
                {"_id": entry_id},
                {"$set": {**fields, "status": Status.FAILED.value,
                          "error": SOURCE_GONE + "the entry was unreadable"},
                 "$currentDate": {"updated_at": True}},
            )  # fmt: skip
        except PyMongoError as exc:
            raise DatabaseError(f"{collection}: re-scan repair failed: {exc}") from None
        log.error("unreadable deposit entry reset from the chain", alert=True,
                  collection=collection, entry_id=str(entry_id))  # fmt: skip


def _malformed(collection: str, document: Document) -> bool:
    try:
        Entry.from_document(collection, document)
    except ValidationError:
        return True
    return False
