"""Burn watcher: scan the token's ``BurnAndBridge`` logs into ``burns`` entries (``detected``).

Each chunk's entries are inserted before the node's cursor moves past the chunk, so a crash or
a database error never skips a log; re-scanned logs (the reorg margin, retries) are recognised
by their unique ``(transaction_hash, burn_index)`` and inserted once. The burn index (the log's
ordinal among the token's BurnAndBridge logs of its tx, ``eth.events``) survives a reorg that
re-includes the tx elsewhere; the block-wide log index does not, and a key on it would record
(and pay) the same burn again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.database import Database

from wpokt_node.burn.entries import burn_document
from wpokt_node.config import EthereumSettings
from wpokt_node.db.entries import Document, insert_once
from wpokt_node.db.nodes import get_cursor, set_cursor
from wpokt_node.db.schema import BURNS
from wpokt_node.errors import ChainError, DatabaseError, ValidationError
from wpokt_node.eth.client import EthClient, LogRecord
from wpokt_node.eth.confirmations import confirmation_depth
from wpokt_node.eth.events import BURN_AND_BRIDGE_TOPIC, burn_logs, decode_burn, topic_hex
from wpokt_node.eth.log_scan import BlockRange, LogScanner, next_scan_range
from wpokt_node.logs import get_logger

log = get_logger(__name__)
CURSOR_NAME = "eth_burns"


@dataclass(frozen=True, slots=True)
class BurnScanResult:
    scanned: BlockRange | None
    logs_seen: int
    inserted: int
    cursor: int | None
    error: str | None = None


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

    def run_once(self) -> BurnScanResult:
        """One pass; RPC and database failures are logged and reported, never raised."""
        cursor: int | None = None
        seen = inserted = 0
        scanned: BlockRange | None = None
        try:
            cursor = get_cursor(self.db, self.node_id, self.cursor_name)
            head = self.client.block_number()
            blocks = next_scan_range(
                cursor, self.settings.start_block, head, self.settings.reorg_margin
            )
            if blocks is None:
                return BurnScanResult(None, 0, 0, cursor)
            # a long backlog is worked off over several runs, so the loop keeps beating
            blocks = BlockRange(
                blocks.first, min(blocks.last, blocks.first + self.max_blocks_per_run - 1)
            )
            topics: list[str | None] = [topic_hex(BURN_AND_BRIDGE_TOPIC)]
            for chunk in self.scanner.scan(self.settings.token_address, topics, blocks):
                seen += len(chunk.logs)
                # a chunk holds whole blocks, so every burn log of each of its txs
                for entry, burn_index in burn_logs(chunk.logs, self.settings.token_address):
                    inserted += self._record(entry, burn_index, head)
                set_cursor(self.db, self.node_id, self.cursor_name, chunk.blocks.last)
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

    def _record(self, entry: LogRecord, burn_index: int, head: int) -> int:
        try:
            event = decode_burn(entry, burn_index)
        except ValidationError as exc:
            log.error("burn_log_malformed", tx=entry.transaction_hash, error=str(exc))
            return 0
        document = burn_document(event, confirmation_depth(event.block_number, head))
        outcome = insert_once(self.db[BURNS], document)
        return 1 if outcome.inserted else 0


class BurnWatcherTask:
    """The ``burn-watcher`` worker: one scan per pass; a failed scan fails the pass (so the
    heartbeat records it and the loop backs off)."""

    def __init__(self, watcher: BurnWatcher) -> None:
        self.watcher = watcher

    def run_once(self) -> dict[str, object]:
        result = self.watcher.run_once()
        if result.error is not None:
            raise ChainError(f"burn scan failed at cursor {result.cursor}: {result.error}")
        return {"logs_seen": result.logs_seen, "inserted": result.inserted, "cursor": result.cursor}
