"""The burn watcher finds a burn's recorded entry by the key the unique index compares."""

from __future__ import annotations

from wpokt_node.burn.watcher import recorded_by_key

TX = "0x" + "ab" * 32


def test_a_decoy_whose_burn_index_is_false_or_text_is_not_the_burn() -> None:
    real = {"_id": 1, "transaction_hash": TX, "burn_index": 0}
    decoys = [
        {"_id": 2, "transaction_hash": TX, "burn_index": False},
        {"_id": 3, "transaction_hash": TX, "burn_index": "0"},
        {"_id": 4, "transaction_hash": TX, "burn_index": 0.0},
        {"_id": 5, "transaction_hash": [TX], "burn_index": 0},
    ]
    assert recorded_by_key(decoys) == {}
    assert recorded_by_key([*decoys, real]) == {(TX, 0): real}
