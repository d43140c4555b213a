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

Each retired vault (``pocket.retired_vaults``, an old vault this cluster took over) is scanned
the same way with its own cursor, ``pokt-<address>``, from its ``start_height``: a deposit that
still reaches it is minted, or refunded from the current vault, like any other.

While the bridge is paused (the cluster control record, ``wpokt-node admin pause``) the
watcher holds: it records nothing and keeps its cursor, so deposits made during the pause are
classified with the ordinary rules after ``resume`` (docs/security.md explains why they are
not refunded at once). A node paused only by its own config keeps watching.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.custody.source_window import SourceWindow
from wpokt_node.db.control import read_bridge_pause
from wpokt_node.db.entries import insert_once
from wpokt_node.db.nodes import Cursors
from wpokt_node.logs import get_logger
from wpokt_node.mint.entries import Built, entry_document, entry_key, recorded_entries
from wpokt_node.mint.rescan import DepositRescan
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import classify_for_vaults, vault_rules
from wpokt_node.pokt.deposits import DepositRules

log = get_logger(__name__)

Document = dict[str, Any]
CURSOR = "pokt"
MAX_CURSOR_NAME = 64  # db.nodes


def retired_cursor(vault: str) -> str:
    """The cursor of a retired vault's scan: ``pokt-<address>`` (a hash if that is too long)."""
    name = f"{CURSOR}-{vault}"
    return (
        name
        if len(name) <= MAX_CURSOR_NAME
        else f"{CURSOR}-{sha256(vault.encode()).hexdigest()[:32]}"
    )


@dataclass(frozen=True, slots=True)
class VaultScan:
    """One vault's scan: its cursor, rules, first height and re-scan window."""

    cursor: str
    rules: DepositRules
    start_height: int
    rescan: DepositRescan


class PoktWatcher:
    def __init__(
        self,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        claims: ClaimQueue | None = None,
        cursor_write_every_s: float = 0.0,
    ) -> None:
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.all_rules = vault_rules(settings)
        self.batch_size = settings.workers.pokt_watcher.batch_size
        window = SourceWindow.from_settings(settings)
        starts = [window.deposit_floor[rules.vault_address] for rules in self.all_rules]
        self.stop_height = settings.pocket.stop_height
        self.scans = [
            VaultScan(
                cursor=CURSOR if index == 0 else retired_cursor(rules.vault_address),
                rules=rules,
                start_height=start,
                rescan=DepositRescan(
                    settings,
                    db,
                    pokt,
                    rules,
                    claims=claims,
                    all_rules=self.all_rules,
                    start_height=start,
                ),
            )
            for index, (rules, start) in enumerate(zip(self.all_rules, starts, strict=True))
        ]
        self._held = False
        self.cursors = Cursors(db, settings.node_id, cursor_write_every_s)
        self.met = 0  # deposits met so far (recorded, known, repaired): wakes the executors

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    def run_once(self) -> dict[str, object]:
        summary: dict[str, object] = {}
        for index, scan in enumerate(self.scans):
            found = self._run_scan(scan)
            if found.get("paused"):
                return found
            summary.update(found if index == 0 else {scan.cursor: found})
        return summary

    def _run_scan(self, scan: VaultScan) -> dict[str, object]:
        cursor = self.cursors.get(scan.cursor)
        first = scan.start_height if cursor is None else cursor + 1
        latest = self.pokt.latest_height() - self.settings.pocket.index_lag_blocks
        if self.stop_height is not None:
            latest = min(latest, self.stop_height)  # handing over: nothing after the stop
        summary: dict[str, object] = {"from_height": first, "latest_height": latest}
        if cursor is not None and scan.rescan.due():
            if self._paused(first):
                return {"paused": True, "held_from_height": first}
            repaired = scan.rescan.guarded_run(cursor)
            self.met += sum(repaired.get(k, 0) for k in ("rerecorded", "revived", "offered"))
            summary.update({k: n for k, n in repaired.items() if n and k != "rescanned"})
        if first <= latest:
            summary.update(self._scan(scan, first, latest))
        return summary

    def _paused(self, first: int) -> bool:
        """Read before recording anything (not every pass: a quiet pass reads nothing)."""
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

    def _scan(self, scan: VaultScan, first: int, latest: int) -> dict[str, object]:
        """Record the deposits of ``first..latest`` (at most about ``batch_size``), then move
        the cursor to the last height fully recorded. The ones recorded already (by another
        node, mostly) are read at once."""
        window, scanned_to, ignored = self._window(scan, first, latest)
        counts = {"mints": 0, "refunds": 0, "ignored": ignored, "known": 0}
        if window:
            height = window[0][0]
            if self._paused(height):
                if height > first:  # nothing below ``height`` is left to record
                    self.cursors.set(scan.cursor, height - 1)
                return {"paused": True, "held_from_height": height}
            self.met += len(window)
            built = [b for _, b in window]
            known = recorded_entries(self.db, built, projection={"_id": 1})
            for collection, document in built:
                if entry_key(collection, document) in known:
                    counts["known"] += 1
                else:
                    counts[self._record(collection, document)] += 1
        recorded = counts["mints"] + counts["refunds"] > 0
        self.cursors.set(scan.cursor, scanned_to, recorded=recorded)
        return {**counts, "cursor": scanned_to}

    def _window(
        self, scan: VaultScan, first: int, latest: int
    ) -> tuple[list[tuple[int, Built]], int, int]:
        """The deposits to record in ``first..latest``, at most about ``batch_size`` (with their
        heights); the height up to which that is all of them; how many txs were ignored."""
        window: list[tuple[int, Built]] = []
        scanned_to, ignored, last_height = latest, 0, first - 1
        responses = self.pokt.search_transfers_to(scan.rules.vault_address, first)
        for seen, response in enumerate(responses):
            verdict, paid = classify_for_vaults(response, self.all_rules)
            height = verdict.height if verdict.height is not None else last_height
            if height > latest:
                break
            if seen >= self.batch_size and height > last_height:
                scanned_to = last_height  # every tx below ``height`` is in the window
                break
            last_height = height
            built = entry_document(verdict, paid.vault_address)
            if built is None:
                ignored += 1
            else:
                window.append((height, built))
        return window, scanned_to, ignored

    def _record(self, collection: str, document: dict[str, Any]) -> str:
        """``collection`` if this node recorded it, ``known`` if another node was first."""
        outcome = insert_once(self.db[collection], document)
        if not outcome.inserted:
            return "known"
        tx_hash, amount = document["transaction_hash"], document["amount"]
        log.info("deposit recorded", collection=collection, entry_id=str(outcome.id),
                 transaction_hash=tx_hash, amount=amount)  # fmt: skip
        return collection
