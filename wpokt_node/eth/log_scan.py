"""Scan logs in block chunks: halve the chunk when the provider refuses a range, skip removed logs.

Cursor rule (one place): the cursor is the last block fully scanned. The next scan starts
``reorg_margin`` blocks behind it, so logs that appear in blocks replaced by a reorg are found;
duplicates from the overlap are harmless because entries are inserted once by their log id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wpokt_node.errors import ChainError
from wpokt_node.eth.client import EthClient, LogRangeTooLargeError, LogRecord
from wpokt_node.logs import get_logger

log = get_logger(__name__)
MAX_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class BlockRange:
    first: int
    last: int

    def __post_init__(self) -> None:
        if self.first < 0 or self.last < self.first:
            raise ValueError(f"invalid block range {self.first}..{self.last}")

    def __len__(self) -> int:
        return self.last - self.first + 1


def next_scan_range(
    cursor: int | None, start_block: int, head: int, reorg_margin: int
) -> BlockRange | None:
    """Blocks to scan now: from the cursor minus the margin (never before start) to the head."""
    if cursor is None:
        first = start_block
    else:
        first = max(start_block, min(cursor, head) + 1 - reorg_margin)
    if first > head:
        return None
    return BlockRange(first, head)


@dataclass(frozen=True, slots=True)
class ScannedChunk:
    blocks: BlockRange
    logs: list[LogRecord]


class LogScanner:
    """Yields one ``ScannedChunk`` per successfully fetched block chunk, in block order."""

    def __init__(self, client: EthClient, chunk_size: int = MAX_CHUNK) -> None:
        if chunk_size < 1:
            raise ValueError("chunk size must be at least 1")
        self.client = client
        self.chunk_size = min(chunk_size, MAX_CHUNK)

    def scan(
        self, address: str, topics: list[str | None], blocks: BlockRange
    ) -> Iterator[ScannedChunk]:
        first = blocks.first
        while first <= blocks.last:
            last = min(blocks.last, first + self.chunk_size - 1)
            try:
                raw = self.client.get_logs(address, topics, first, last)
            except LogRangeTooLargeError as exc:
                if last == first:
                    raise ChainError(
                        f"provider refuses eth_getLogs even for one block ({first}): "
                        f"{exc.rpc_message}"
                    ) from exc
                self.chunk_size = max(1, (last - first + 1) // 2)
                log.warning(
                    "eth_log_range_reduced", first=first, last=last, chunk_size=self.chunk_size
                )
                continue
            kept = sorted(
                (
                    entry
                    for entry in raw
                    if not entry.removed and first <= entry.block_number <= last
                ),
                key=lambda entry: (entry.block_number, entry.log_index),
            )
            yield ScannedChunk(BlockRange(first, last), kept)
            first = last + 1
