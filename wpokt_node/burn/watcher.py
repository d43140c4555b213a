"""The burn watcher: every ``BurnAndBridge`` log of the token becomes a ``detected`` burn entry.

Scans from this node's ``eth`` cursor (``ethereum.start_block`` at first) to the head,
re-scanning ``ethereum.reorg_margin`` blocks behind the cursor (``eth.log_scan``). Entries are
inserted once by ``(transaction_hash, log_index)``; the cursor moves only after a chunk's
inserts all succeeded, so a crash re-scans instead of skipping.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from wpokt_node.db.entries import insert_once
from wpokt_node.db.nodes import get_cursor, set_cursor
from wpokt_node.db.schema import BURNS, new_entry
from wpokt_node.errors import ValidationError
from wpokt_node.eth.client import EthClient, LogRecord
from wpokt_node.eth.events import BURN_AND_BRIDGE_TOPIC, decode_burn, topic_hex
from wpokt_node.eth.log_scan import LogScanner, next_scan_range
from wpokt_node.runtime.context import NodeContext
from wpokt_node.runtime.logging import get_logger

log = get_logger(__name__)

Document = dict[str, Any]
CURSOR = "eth"


def burn_entry_document(record: LogRecord) -> dict[str, Any]:
    """The ``burns`` document of one BurnAndBridge log (ValidationError if it is not one)."""
    event = decode_burn(record)
    return new_entry(
        transaction_hash=event.transaction_hash,
        height=event.block_number,
        from_address=event.from_address,
        to_address=event.to_address,
        amount=event.amount,
        log_index=event.log_index,
        sequence=None,
    )


class BurnWatcher:
    def __init__(
        self,
        *,
        db: Database[Document],
        eth: EthClient,
        token_address: str,
        node_id: str,
        start_block: int,
        reorg_margin: int,
        chunk_size: int,
    ) -> None:
        self.db = db
        self.eth = eth
        self.token_address = token_address
        self.node_id = node_id
        self.start_block = start_block
        self.reorg_margin = reorg_margin
        self.scanner = LogScanner(eth, chunk_size)

    def run_once(self) -> dict[str, object]:
        head = self.eth.block_number()
        cursor = get_cursor(self.db, self.node_id, CURSOR)
        blocks = next_scan_range(cursor, self.start_block, head, self.reorg_margin)
        inserted = seen = 0
        if blocks is not None:
            topics: list[str | None] = [topic_hex(BURN_AND_BRIDGE_TOPIC)]
            for chunk in self.scanner.scan(self.token_address, topics, blocks):
                for record in chunk.logs:
                    try:
                        document = burn_entry_document(record)
                    except ValidationError as exc:
                        log.error("unreadable BurnAndBridge log skipped", error=str(exc))
                        continue
                    seen += 1
                    if insert_once(self.db[BURNS], document).inserted:
                        inserted += 1
                        log.info(
                            "burn detected",
                            transaction_hash=document["transaction_hash"],
                            log_index=document["log_index"],
                            amount=document["amount"],
                        )
                set_cursor(self.db, self.node_id, CURSOR, chunk.blocks.last)
        return {"head": head, "logs": seen, "inserted": inserted}


def build(context: NodeContext) -> BurnWatcher:
    ethereum = context.settings.ethereum
    return BurnWatcher(
        db=context.db,
        eth=context.eth,
        token_address=ethereum.token_address,
        node_id=context.node_id,
        start_block=ethereum.start_block,
        reorg_margin=ethereum.reorg_margin,
        chunk_size=ethereum.scan_chunk_size,
    )
