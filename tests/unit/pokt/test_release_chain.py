"""A multisig release is proven dead by the tx that used its vault sequence, never by a hash
lookup alone: CometBFT's kv indexer keys results by hash, so the same bytes failing again in a
later block (in the ante handler, with no events) overwrite the first, successful result."""

from __future__ import annotations

import pytest

from wpokt_node.custody.release_chain import consumed_sequence

pytestmark = pytest.mark.pokt


def test_a_failed_result_proves_a_release_dead_only_with_the_sequence_it_used() -> None:
    vault = "pokt1" + "q" * 38
    used = {
        "code": 5,
        "events": [{"type": "tx", "attributes": [{"key": "acc_seq", "value": f"{vault}/7"}]}],
    }
    overwritten = {"code": 32, "events": []}  # the same bytes failing again in the ante handler
    assert consumed_sequence(used, vault, 7)
    assert not consumed_sequence(used, vault, 8)
    assert not consumed_sequence(overwritten, vault, 7)
