"""Burn watcher: scan the token's ``BurnAndBridge`` logs into ``burns`` entries (``detected``).

Each chunk's entries are inserted before the node's cursor moves past the chunk, so a crash or
a database error never skips a log; re-scanned logs (the reorg margin, retries) are recognised
by their unique ``(transaction_hash, burn_index)`` and inserted once. The burn index (the log's
ordinal among the token's BurnAndBridge logs of its tx, ``eth.events``) survives a reorg that
re-includes the tx elsewhere; the block-wide log index does not, and a key on it would record
(and pay) the same burn again.

The database is not trusted: every ``ethereum.rescan_interval_s`` the last
``ethereum.rescan_blocks`` blocks behind the cursor are read again, so a burn whose entry was
deleted is recorded again; a burn whose entry was failed as absent is revived whenever a scan
finds it on chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bson.errors import BSONError
from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.burn.entries import burn_document
from wpokt_node.burn.returns import record_burn_returns
from wpokt_node.config import EthereumSettings
from wpokt_node.custody.source_events import burn_event
from wpokt_node.db.entries import Document, insert_once
from wpokt_node.db.nodes import Cursors
from wpokt_node.db.schema import BURNS, MINTS, Status
from wpokt_node.db.transitions import revive_entry
from wpokt_node.errors import ChainError, DatabaseError, ValidationError
from wpokt_node.eth.client import EthClient, LogRecord
from wpokt_node.eth.confirmations import confirmation_depth
from wpokt_node.eth.events import BURN_AND_BRIDGE_TOPIC, burn_logs, decode_burn, topic_hex
from wpokt_node.eth.log_scan import BlockRange, LogScanner, next_scan_range
from wpokt_node.logs import get_logger
from wpokt_node.payout.claims import ClaimQueue

log = get_logger(__name__)
CURSOR_NAME = "eth_burns"
_SOURCE_FIELDS = ("from_address", "to_address", "amount", "height", "block_hash", "log_index")


@dataclass(frozen=True, slots=True)
class BurnScanResult:
    scanned: BlockRange | None
    logs_seen: int
    inserted: int
    cursor: int | None
    error: str | None = None


_STORED_FIELDS = {"transaction_hash": 1, "burn_index": 1, "status": 1, "execution_tx_hash": 1}


class BurnWatcher:
    def __init__(
        self,
        db: Database[Document],
        node_id: str,
        client: EthClient,
        settings: EthereumSettings,
        *,
        cursor_name: str = CURSOR_NAME,
        max_blocks_per_run: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        claims: ClaimQueue | None = None,
        cursor_write_every_s: float = 0.0,
    ) -> None:
        if max_blocks_per_run < 1:
            raise ValueError("max_blocks_per_run must be at least 1")
        self.db = db
        self.node_id = node_id
        self.client = client
        self.settings = settings
        self.cursor_name = cursor_name
        self.max_blocks_per_run = max_blocks_per_run
        self.scanner = LogScanner(client, settings.scan_chunk_size)
        self.clock = clock
        self.claims = claims
        self.cursors = Cursors(db, node_id, cursor_write_every_s, clock)
        self._last_rescan: float | None = None
        self.met = 0  # burns met so far (new blocks, re-recorded, returns): wakes the executors
        self._met_through = -1  # the forward scan re-reads a reorg margin: count each block once

    def run_once(self) -> BurnScanResult:
        """One pass; RPC and database failures are logged and reported, never raised."""
        cursor: int | None = None
        seen = inserted = 0
        scanned: BlockRange | None = None
        try:
            cursor = self.cursors.get(self.cursor_name)
            head = self.client.block_number()
            if cursor is not None and self._rescan_due():
                inserted += self._guarded_rescan(cursor, head)
            blocks = next_scan_range(
                cursor, self.settings.start_block, head, self.settings.reorg_margin
            )
            blocks = _before_stop(blocks, self.settings.stop_block)
            if blocks is None:
                return BurnScanResult(None, 0, inserted, cursor)
            # a long backlog is worked off over several runs, so the loop keeps beating
            blocks = BlockRange(
                blocks.first, min(blocks.last, blocks.first + self.max_blocks_per_run - 1)
            )
            for chunk in self.scanner.scan(self.settings.token_address, self._topics, blocks):
                seen += len(chunk.logs)
                self.met += sum(1 for x in chunk.logs if x.block_number > self._met_through)
                self._met_through = max(self._met_through, chunk.blocks.last)
                recorded = self._record_chunk(chunk.logs, head)
                inserted += recorded
                self.met += recorded  # a reorg can re-include a burn below ``_met_through``
                self.cursors.set(self.cursor_name, chunk.blocks.last, recorded=recorded > 0)
                cursor = chunk.blocks.last
                scanned = BlockRange(blocks.first, chunk.blocks.last)
        except (ChainError, DatabaseError) as exc:
            log.error(
                "burn_watcher_failed",
                error=f"{type(exc).__name__}: {exc}",
                cursor=cursor,
                inserted=inserted,
            )
            return BurnScanResult(scanned, seen, inserted, cursor, str(exc))
        if inserted:
            log.info("burns_detected", inserted=inserted, first=blocks.first, last=blocks.last)
        return BurnScanResult(scanned, seen, inserted, cursor)

    @property
    def _topics(self) -> list[str | None]:
        return [topic_hex(BURN_AND_BRIDGE_TOPIC)]

    def _rescan_due(self) -> bool:
        if self.settings.rescan_blocks == 0:
            return False
        last = self._last_rescan
        return last is None or self.clock() - last >= self.settings.rescan_interval_s

    def _guarded_rescan(self, cursor: int, head: int) -> int:
        """The re-scan, whose database trouble (an entry no one can read, in its window) never
        keeps the forward scan from recording new burns: it is tried again an interval later."""
        try:
            return self._rescan(cursor, head)
        except DatabaseError as exc:
            self._last_rescan = self.clock()
            log.error("burn re-scan failed", alert=True, error=str(exc)[:300])
            return 0

    def _rescan(self, cursor: int, head: int) -> int:
        """Read the window behind the cursor again: a burn whose entry was deleted is recorded
        again, one failed as absent is revived (the database is not trusted)."""
        first = max(self.settings.start_block, cursor - self.settings.rescan_blocks + 1)
        inserted = 0
        if first <= cursor:
            window = BlockRange(first, cursor)
            for chunk in self.scanner.scan(self.settings.token_address, self._topics, window):
                inserted += self._record_chunk(chunk.logs, head)
        self._last_rescan = self.clock()
        self.met += inserted
        if inserted:
            log.error("burns recorded again: their entries were missing", alert=True,
                      inserted=inserted, first=first, last=cursor)  # fmt: skip
        return inserted

    def _record_chunk(self, logs: Sequence[LogRecord], head: int) -> int:
        """Record the chunk's burns (a chunk holds whole blocks, so every burn log of each of
        its txs); the burns and returns already recorded are read at once, a query each."""
        documents: list[Document] = []
        for entry, burn_index in burn_logs(logs, self.settings.token_address):
            try:
                event = decode_burn(entry, burn_index)
            except ValidationError as exc:
                log.error("burn_log_malformed", tx=entry.transaction_hash, error=str(exc))
                continue
            documents.append(burn_document(event, confirmation_depth(event.block_number, head)))
        if not documents:
            return 0
        stored, returns = self._stored(documents)
        inserted = 0
        for document in documents:
            key = (document["transaction_hash"], document["burn_index"])
            existing = stored.get(key)
            if existing is None:
                outcome = insert_once(self.db[BURNS], document)
                if outcome.inserted:
                    inserted += 1
                    continue
                existing = {"_id": outcome.id}
            self._known(document, existing, returns.get(burn_event(*key), ()))
        return inserted

    def _stored(
        self, documents: Sequence[Document]
    ) -> tuple[dict[tuple[str, int], Document], dict[str, list[Document]]]:
        """The chunk's burns already recorded, by (tx, burn index), and its executed returns, by
        source event."""
        hashes = sorted({d["transaction_hash"] for d in documents})
        executed = Status.EXECUTED.value
        try:
            burns = list(self.db[BURNS].find({"transaction_hash": {"$in": hashes}},
                                             projection=_STORED_FIELDS))  # fmt: skip
            returned_by = {  # the unique index's leading field, so no collection scan
                "transaction_hash": {"$in": sorted({h.strip().lower() for h in hashes})},
                "status": executed,
            }
            minted = [] if self.claims is None else list(self.db[MINTS].find(
                returned_by,
                projection={"source_event": 1, "execution_tx_hash": 1},
            ))  # fmt: skip
        except (PyMongoError, BSONError) as exc:  # BSONError: a document Python cannot decode
            raise DatabaseError(f"burns: read failed: {exc}") from None
        stored = recorded_by_key(burns)
        returns: dict[str, list[Document]] = {}
        for returned in minted:
            returns.setdefault(str(returned.get("source_event")), []).append(returned)
        return stored, returns

    def _known(self, document: Document, existing: Document, returns: Sequence[Document]) -> None:
        """A burn recorded before: offer it to the claim checks if it (or its return) says
        executed, and revive it if it was failed as absent."""
        event = burn_event(document["transaction_hash"], document["burn_index"])
        if self.claims is not None:
            offers = [(MINTS, r["_id"], r.get("execution_tx_hash")) for r in returns]
            if existing.get("status") == Status.EXECUTED.value:
                offers.append((BURNS, existing["_id"], existing.get("execution_tx_hash")))
            for collection, entry_id, tx_hash in offers:
                self.met += self.claims.offer(collection, event, entry_id, tx_hash)
        if "status" in existing and existing.get("status") != Status.FAILED.value:
            return  # read with the chunk and not failed: nothing to revive
        fields = {name: document[name] for name in _SOURCE_FIELDS}
        if revive_entry(
            self.db, BURNS, existing["_id"], node_id=self.node_id, reason="the burn is on chain",
            fields=fields,
        ):  # fmt: skip
            log.error("burn entry revived: it was failed as absent", alert=True,
                      entry_id=str(existing["_id"]))  # fmt: skip


def recorded_by_key(burns: Iterable[Document]) -> dict[tuple[str, int], Document]:
    """Recorded burns by (tx, burn index), compared as MongoDB's unique index compares them: it
    tells ``false`` from ``0``, but Python's ``(tx, False) == (tx, 0)`` would match a forged
    entry to a real burn and hide the burn."""
    return {
        (b["transaction_hash"], b["burn_index"]): b
        for b in burns
        if type(b.get("transaction_hash")) is str and type(b.get("burn_index")) is int
    }


class BurnWatcherTask:
    """The ``burn-watcher`` worker: one scan per pass, and every ``rescan_interval_s`` a return
    recorded for each burn failed because its recipient can never be paid (``burn.returns``,
    which reads every such burn); a failed scan fails the pass (so the heartbeat records it
    and the loop backs off)."""

    def __init__(self, watcher: BurnWatcher, *, returns_every_s: float | None = None) -> None:
        self.watcher = watcher
        self.returns_every_s = (
            watcher.settings.rescan_interval_s if returns_every_s is None else returns_every_s
        )
        self._returns_at: float | None = None

    def run_once(self) -> dict[str, object]:
        result = self.watcher.run_once()
        returns = 0
        now = self.watcher.clock()
        if self._returns_at is None or now - self._returns_at >= self.returns_every_s:
            returns = record_burn_returns(self.watcher.db)
            self.watcher.met += returns
            self._returns_at = now
        if result.error is not None:
            raise ChainError(f"burn scan failed at cursor {result.cursor}: {result.error}")
        return {
            "logs_seen": result.logs_seen,
            "inserted": result.inserted,
            "cursor": result.cursor,
            "returns": returns,
        }


def _before_stop(blocks: BlockRange | None, stop: int | None) -> BlockRange | None:
    """A cluster handing over (``ethereum.stop_block``) scans nothing after its stop."""
    if blocks is None or stop is None:
        return blocks
    return None if blocks.first > stop else BlockRange(blocks.first, min(blocks.last, stop))
