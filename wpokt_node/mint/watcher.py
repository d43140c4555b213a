"""The pokt-watcher worker: finds transfers into the vault and records mint or refund entries.

Each pass reads the latest height first, then scans the vault's incoming transfers from the
node's ``pokt`` cursor (the last height fully scanned; ``pocket.start_height`` at first) up to
that height minus ``pocket.index_lag_blocks`` (CometBFT reports a block as latest before its
txs are in the tx index: a scan of the newest block could miss its deposits for good),
classifies every tx with this node's rules, and inserts one ``mints`` entry (valid deposit) or
``refunds`` entry (bad memo, cap ...) per tx. A duplicate key means another node (or an earlier
pass) already recorded it. The cursor moves only after every insert succeeded, so a
crash re-scans and inserts nothing twice. Every ``pocket.rescan_interval_s`` the window behind
the cursor is read again (``mint.rescan``): deleted entries are recorded again, entries failed
as absent are revived.

While the bridge is paused (the cluster control record, ``wpokt-node admin pause``) the
watcher holds: it records nothing and keeps its cursor, so deposits made during the pause are
classified with the ordinary rules after ``resume`` (docs/security.md explains why they are
not refunded at once). A node paused only by its own config keeps watching.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.db.control import read_bridge_pause
from wpokt_node.db.entries import insert_once
from wpokt_node.db.nodes import get_cursor, set_cursor
from wpokt_node.logs import get_logger
from wpokt_node.mint.entries import entry_document
from wpokt_node.mint.rescan import DepositRescan
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import deposit_rules
from wpokt_node.pokt.deposits import classify_deposit

log = get_logger(__name__)

Document = dict[str, Any]
CURSOR = "pokt"


class PoktWatcher:
    def __init__(
        self,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        claims: ClaimQueue | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.rules = deposit_rules(settings)
        self.vault = settings.pocket.vault_address
        self.batch_size = settings.workers.pokt_watcher.batch_size
        self.rescan = DepositRescan(settings, db, pokt, self.rules, claims=claims)
        self._held = False

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    def run_once(self) -> dict[str, object]:
        cursor = get_cursor(self.db, self.node_id, CURSOR)
        first = self.settings.pocket.start_height if cursor is None else cursor + 1
        if self._paused(first):
            return {"paused": True, "held_from_height": first}
        latest = self.pokt.latest_height() - self.settings.pocket.index_lag_blocks
        summary: dict[str, object] = {"from_height": first, "latest_height": latest}
        if cursor is not None and self.rescan.due():
            repaired = self.rescan.run(cursor)
            summary.update({k: n for k, n in repaired.items() if n and k != "rescanned"})
        if first <= latest:
            summary.update(self._scan(first, latest))
        return summary

    def _paused(self, first: int) -> bool:
        pause = read_bridge_pause(self.db)
        if pause.paused:
            if not self._held:
                log.warning("deposits held: the bridge is paused", from_height=first)
            self._held = True
            return True
        if self._held:
            log.info("bridge resumed: scanning deposits again", from_height=first)
        self._held = False
        return False

    def _scan(self, first: int, latest: int) -> dict[str, object]:
        """Record the deposits of ``first..latest`` (at most about ``batch_size``), then move
        the cursor to the last height fully recorded."""
        scanned_to = latest
        counts = {"mints": 0, "refunds": 0, "ignored": 0, "known": 0}
        seen = 0
        last_height = first - 1
        for response in self.pokt.search_transfers_to(self.vault, first):
            verdict = classify_deposit(response, self.rules)
            height = verdict.height if verdict.height is not None else last_height
            if height > latest:
                break
            if seen >= self.batch_size and height > last_height:
                scanned_to = last_height  # every tx below ``height`` is recorded
                break
            seen += 1
            last_height = height
            built = entry_document(verdict, self.vault)
            if built is None:
                counts["ignored"] += 1
                continue
            collection, document = built
            outcome = insert_once(self.db[collection], document)
            if outcome.inserted:
                counts[collection] += 1
                log.info(
                    "deposit recorded",
                    collection=collection,
                    entry_id=str(outcome.id),
                    transaction_hash=document["transaction_hash"],
                    amount=document["amount"],
                )
            else:
                counts["known"] += 1
        set_cursor(self.db, self.node_id, CURSOR, scanned_to)
        return {**counts, "cursor": scanned_to}
