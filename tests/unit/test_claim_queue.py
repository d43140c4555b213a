"""The node-local claim queue: executed entries offered by the re-scans, checked once."""

from __future__ import annotations

from pathlib import Path

from bson import ObjectId

from wpokt_node.payout.claims import ClaimQueue, Verdict


def test_a_claim_is_offered_once_and_a_final_verdict_is_remembered(tmp_path: Path) -> None:
    entry_id = ObjectId()
    with_path = tmp_path / "journal.sqlite3"
    queue = ClaimQueue(with_path)
    assert queue.offer("mints", "pokt:AA", entry_id, "0xaa")
    assert not queue.offer("mints", "pokt:AA", entry_id, "0xaa")  # already queued
    [claim] = queue.take(["mints", "burns"], 10)
    assert (claim.collection, claim.source_event, claim.document_id) == (
        "mints",
        "pokt:AA",
        entry_id,
    )
    queue.settle(claim, Verdict.BELIEVED)
    queue.close()

    reopened = ClaimQueue(with_path)
    assert reopened.take(["mints"], 10) == []
    assert not reopened.offer("mints", "pokt:AA", entry_id, "0xaa")  # believed: not again
    assert reopened.offer("mints", "pokt:AA", entry_id, "0xbb")  # another claimed tx
    assert reopened.offer("mints", "pokt:BB", entry_id, "0xaa")  # the entry of another event
    reopened.close()


def test_a_claim_left_for_later_is_offered_again(tmp_path: Path) -> None:
    queue = ClaimQueue(tmp_path / "journal.sqlite3")
    hex_text = str(ObjectId())  # a string _id that looks like an ObjectId stays a string
    assert queue.offer("burns", "eth:0xab:0", hex_text, None)
    assert queue.offer("burns", "eth:0xab:1", 7, None)
    assert not queue.offer("burns", "eth:0xab:2", 1.5, None)  # a type the queue cannot keep
    first, second = queue.take(["burns"], 10)
    assert (first.document_id, second.document_id) == (hex_text, 7)
    queue.settle(first, Verdict.LATER)
    queue.settle(second, Verdict.DEFERRED)
    assert queue.take(["burns"], 10) == []
    assert queue.offer("burns", "eth:0xab:0", hex_text, None)  # not believed: offered again
    assert queue.offer("burns", "eth:0xab:1", 7, None)
    assert queue.take(["mints"], 10) == []
    queue.close()
