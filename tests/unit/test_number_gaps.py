"""The gap check's memory of verified holders: a holder is verified once while its fields stay."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from wpokt_node.custody.number_gaps import VouchedHolders
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import MINTS

FIELDS = ("transaction_hash", "amount", "nonce", "order")


def holder(entry_id: ObjectId, **fields: Any) -> Entry:
    document = {
        "_id": entry_id,
        "status": "started",
        "transaction_hash": "AB" * 32,
        "from_address": "pokt1sender",
        "to_address": "0x" + "11" * 20,
        "amount": "1000",
        "nonce": 3,
        "order": {"recipient": "0x" + "11" * 20, "amount": "1000", "nonce": 3},
        "signers": [],
        "signatures": [],
    }
    document.update(fields)
    return Entry.from_document(MINTS, document)


class CountingVerify:
    def __init__(self, answer: str | None = None) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self, entry: Entry) -> str | None:
        self.calls += 1
        return self.answer


def test_a_holder_that_checked_out_is_not_verified_again_while_its_fields_stay() -> None:
    chain = CountingVerify()
    verify = VouchedHolders(FIELDS).verify(chain)
    entry_id = ObjectId()
    # given a holder verified once
    assert verify(holder(entry_id)) is None
    # when it is checked again, also with its state fields changed (a signature, a status)
    assert verify(holder(entry_id)) is None
    assert verify(holder(entry_id, status="signed", signers=["node-01"])) is None
    # then the chain was read once
    assert chain.calls == 1


def test_an_edited_holder_is_verified_afresh() -> None:
    chain = CountingVerify()
    verify = VouchedHolders(FIELDS).verify(chain)
    entry_id = ObjectId()
    verify(holder(entry_id))
    # when a database writer edits a field the verification reads
    chain.answer = "its order is not the one its source event implies"
    assert verify(holder(entry_id, amount="999999")) == chain.answer
    assert verify(holder(entry_id, order={"recipient": "0x" + "22" * 20})) == chain.answer
    # and another entry with the same fields is its own holder
    assert verify(holder(ObjectId())) == chain.answer
    assert chain.calls == 4


def test_a_failure_is_not_remembered() -> None:
    chain = CountingVerify("deposit is not on this node's Pocket RPC")
    verify = VouchedHolders(FIELDS).verify(chain)
    entry_id = ObjectId()
    assert verify(holder(entry_id)) == chain.answer
    # the RPC catches up: the next check reads the chain again and succeeds
    chain.answer = None
    assert verify(holder(entry_id)) is None
    assert verify(holder(entry_id)) is None
    assert chain.calls == 2


def test_the_memory_is_bounded_and_forgets_the_oldest() -> None:
    chain = CountingVerify()
    verify = VouchedHolders(FIELDS, capacity=2).verify(chain)
    first, second, third = ObjectId(), ObjectId(), ObjectId()
    for entry_id in (first, second, third):
        verify(holder(entry_id))
    assert chain.calls == 3
    verify(holder(third))
    assert chain.calls == 3
    verify(holder(first))  # forgotten: verified again
    assert chain.calls == 4
