"""Pure scanning rules: cursor arithmetic, chunk halving, removed logs, confirmations, decoding."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.errors import ChainError, ValidationError
from wpokt_node.eth.client import EthClient, LogRangeTooLargeError, LogRecord
from wpokt_node.eth.confirmations import ConfirmationPolicy, confirmation_depth
from wpokt_node.eth.events import (
    BURN_AND_BRIDGE_TOPIC,
    MINTED_TOPIC,
    burn_logs,
    decode_burn,
    decode_minted,
)
from wpokt_node.eth.log_scan import BlockRange, LogScanner, next_scan_range
from wpokt_node.eth.revert import decode_revert

pytestmark = pytest.mark.eth

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _log(block: int, index: int = 0, *, removed: bool = False, topics: Any = None) -> LogRecord:
    return LogRecord(
        address=TOKEN,
        topics=topics
        or (
            BURN_AND_BRIDGE_TOPIC,
            (5).to_bytes(32, "big"),
            bytes(12) + bytes(range(1, 21)),
            bytes(12) + b"\xaa" * 20,
        ),
        data=b"",
        block_number=block,
        block_hash="0x" + f"{block:064x}",
        transaction_hash="0x" + f"{block * 1000 + index:064x}",
        log_index=index,
        removed=removed,
    )


class FakeClient(EthClient):
    """Serves logs from a list; refuses ranges wider than ``limit`` like real providers."""

    def __init__(self, logs: list[LogRecord], limit: int | None = None) -> None:
        self.logs = logs
        self.limit = limit
        self.calls: list[tuple[int, int]] = []

    def get_logs(
        self, address: str, topics: list[str | None], from_block: int, to_block: int
    ) -> list[LogRecord]:
        self.calls.append((from_block, to_block))
        if self.limit is not None and to_block - from_block + 1 > self.limit:
            raise LogRangeTooLargeError("eth_getLogs", -32005, "query exceeds max block range")
        return [log for log in self.logs if from_block <= log.block_number <= to_block]


@pytest.mark.parametrize(
    ("cursor", "start", "head", "margin", "expected"),
    [
        (None, 100, 500, 64, (100, 500)),
        (None, 600, 500, 64, None),
        (400, 100, 500, 64, (337, 500)),
        (400, 380, 500, 64, (380, 500)),
        (500, 0, 500, 0, None),
        (500, 0, 500, 10, (491, 500)),
        (900, 0, 500, 10, (491, 500)),  # cursor beyond a shorter chain after a reorg
        (40, 0, 500, 64, (0, 500)),
    ],
)
def test_next_scan_range(
    cursor: int | None, start: int, head: int, margin: int, expected: tuple[int, int] | None
) -> None:
    result = next_scan_range(cursor, start, head, margin)
    assert (None if result is None else (result.first, result.last)) == expected


def test_chunks_halve_on_range_errors_and_cover_every_block_once() -> None:
    logs = [_log(b, i) for b in (0, 1, 249, 250, 251, 999, 1000, 2499) for i in range(2)]
    client = FakeClient(logs, limit=300)
    scanner = LogScanner(client, chunk_size=1000)
    chunks = list(scanner.scan(TOKEN, [None], BlockRange(0, 2499)))
    assert scanner.chunk_size == 250
    assert [log for c in chunks for log in c.logs] == logs
    assert [(c.blocks.first, c.blocks.last) for c in chunks][:2] == [(0, 249), (250, 499)]
    assert chunks[-1].blocks.last == 2499
    assert client.calls[:3] == [(0, 999), (0, 499), (0, 249)]


def test_chunk_size_is_capped_and_one_block_refusal_is_an_error() -> None:
    assert LogScanner(FakeClient([]), chunk_size=50_000).chunk_size == 1000
    scanner = LogScanner(FakeClient([], limit=0), chunk_size=4)
    with pytest.raises(ChainError, match="even for one block"):
        list(scanner.scan(TOKEN, [None], BlockRange(10, 20)))


def test_removed_and_out_of_range_logs_are_ignored_and_sorted() -> None:
    logs = [_log(7, 3), _log(7, 1), _log(8, 0, removed=True), _log(6, 0)]

    class Unordered(FakeClient):
        def get_logs(
            self, address: str, topics: list[str | None], from_block: int, to_block: int
        ) -> list[LogRecord]:
            return [*self.logs, _log(99)]

    [chunk] = LogScanner(Unordered(logs)).scan(TOKEN, [None], BlockRange(5, 10))
    assert [(e.block_number, e.log_index) for e in chunk.logs] == [(6, 0), (7, 1), (7, 3)]


def test_confirmation_policy() -> None:
    assert confirmation_depth(100, 100) == 1
    assert confirmation_depth(101, 100) == 0
    depth = ConfirmationPolicy.from_setting(12)
    assert depth.evaluate(100, 110, None).confirmed is False
    assert depth.evaluate(100, 111, None).confirmed is True
    final = ConfirmationPolicy.from_setting("finalized")
    assert final.uses_finalized_tag
    assert final.evaluate(100, 500, 99).confirmed is False
    assert final.evaluate(100, 101, 100).confirmed is True
    assert final.evaluate(100, 500, None).confirmed is False
    assert ConfirmationPolicy.from_setting(0).evaluate(5, 4, None).confirmed is False


def _in_tx(tx: str, block: int, index: int, **changes: Any) -> LogRecord:
    return replace(_log(block, index), transaction_hash="0x" + tx * 64, **changes)


def test_burns_are_numbered_within_their_tx_in_log_order() -> None:
    # Given a block with two burns of tx a (after a Minted log of the token), one of tx b and a
    # BurnAndBridge of another contract, and a block with a burn of tx c, out of order
    minted = (MINTED_TOPIC, bytes(32), bytes(32), bytes(32))
    logs = [
        _in_tx("b", 7, 4),
        _in_tx("a", 7, 2),
        _in_tx("c", 8, 0),
        _in_tx("a", 7, 0, topics=minted),
        _in_tx("a", 7, 1),
        _in_tx("b", 7, 3, address=to_checksum_address("0x" + "11" * 20)),
    ]
    numbered = [(e.transaction_hash[-1], e.log_index, i) for e, i in burn_logs(logs, TOKEN)]
    assert numbered == [("a", 1, 0), ("a", 2, 1), ("b", 4, 0), ("c", 0, 0)]
    # When a reorg re-includes tx a further down another block, its burns keep their numbers
    moved = [_in_tx("a", 12, 5), _in_tx("d", 12, 0), _in_tx("a", 12, 6)]
    assert [(e.log_index, i) for e, i in burn_logs(moved, TOKEN.lower())] == [
        (0, 0),
        (5, 0),
        (6, 1),
    ]
    # And a provider answering across a reorg (tx a in two blocks) numbers each inclusion alone
    both = burn_logs([*logs, *moved], TOKEN)
    in_a = [(e.block_number, i) for e, i in both if e.transaction_hash.endswith("a")]
    assert in_a == [(7, 0), (7, 1), (12, 0), (12, 1)]


def test_decode_burn_and_rejects_malformed_logs() -> None:
    burn = decode_burn(_log(3, 4), 1)
    assert (burn.burn_index, burn.log_index) == (1, 4)
    assert burn.amount == 5
    assert burn.to_address.startswith("pokt1")
    assert burn.from_address == to_checksum_address("0x" + "aa" * 20)
    dirty = _log(3, topics=(BURN_AND_BRIDGE_TOPIC, bytes(32), b"\x01" * 32, bytes(32)))
    with pytest.raises(ValidationError, match="poktAddress"):
        decode_burn(dirty, 0)
    with pytest.raises(ValidationError, match="not a BurnAndBridge"):
        decode_burn(_log(3, topics=(MINTED_TOPIC, bytes(32), bytes(32), bytes(32))), 0)
    minted = decode_minted(
        _log(
            3,
            topics=(
                MINTED_TOPIC,
                bytes(12) + b"\x01" * 20,
                (9).to_bytes(32, "big"),
                (2).to_bytes(32, "big"),
            ),
        )
    )
    assert (minted.amount, minted.nonce) == (9, 2)


def test_decode_revert_reasons() -> None:
    assert decode_revert(None) == "reverted without data"
    assert decode_revert("0x") == "reverted without a reason"
    error_string = "0x08c379a0" + (
        "0000000000000000000000000000000000000000000000000000000000000020"
        "0000000000000000000000000000000000000000000000000000000000000004"
        "6e6f706500000000000000000000000000000000000000000000000000000000"
    )
    assert decode_revert(error_string) == "nope"
    assert decode_revert("0x4e487b71" + "11".rjust(64, "0")) == "Panic(0x11)"
    over_limit = "0x" + keccak(text="OverMintLimit()")[:4].hex()
    assert decode_revert(over_limit) == "OverMintLimit()"
    assert decode_revert("0xdeadbeef") == "reverted with data 0xdeadbeef"
