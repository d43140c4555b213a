"""The node-local claim queue: executed entries offered by the re-scans, checked once."""

from __future__ import annotations

from pathlib import Path

from bson import ObjectId

from wpokt_node.payout.claims import ClaimQueue, Verdict


def test_a_claim_is_offered_once_and_a_final_verdict_is_remembered(tmp_path: Path) -> None:
    entry_id = ObjectId()
    with_path = tmp_path / "journal.sqlite3"
    queue = ClaimQueue(with_path)
    assert queue.offer("mints", entry_id, "0xaa")
    assert not queue.offer("mints", entry_id, "0xaa")  # already queued
    [claim] = queue.take(["mints", "burns"], 10)
    assert (claim.collection, claim.document_id, claim.execution_tx_hash) == (
        "mints",
        entry_id,
        "0xaa",
    )
    queue.settle(claim, Verdict.BELIEVED)
    queue.close()

    reopened = ClaimQueue(with_path)
    assert reopened.take(["mints"], 10) == []
    assert not reopened.offer("mints", entry_id, "0xaa")  # believed: not checked again
    assert reopened.offer("mints", entry_id, "0xbb")  # another claimed tx: checked again
    reopened.close()


def test_a_claim_left_for_later_is_offered_again(tmp_path: Path) -> None:
    queue = ClaimQueue(tmp_path / "journal.sqlite3")
    assert queue.offer("burns", "not-an-object-id", None)
    [claim] = queue.take(["burns"], 10)
    assert claim.document_id == "not-an-object-id"
    queue.settle(claim, Verdict.LATER)
    assert queue.take(["burns"], 10) == []
    assert queue.offer("burns", "not-an-object-id", None)
    assert queue.take(["mints"], 10) == []
    queue.close()
