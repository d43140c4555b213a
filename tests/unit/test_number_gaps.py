"""The gap check's memory of verified holders: a holder whose source event is confirmed is
verified once while the fields the mint back end's verification reads stay as they were."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from wpokt_node.custody.mint_nonces import HOLDER_FIELDS
from wpokt_node.custody.number_gaps import VouchedHolders
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import MINTS

RECIPIENT = "0x" + "11" * 20


def holder(entry_id: ObjectId, **fields: Any) -> Entry:
    document = {
        "_id": entry_id,
        "status": "started",
        "transaction_hash": "AB" * 32,
        "height": 7,
        "from_address": "pokt1sender",
        "to_address": RECIPIENT,
        "amount": "1000",
        "memo": "{}",
        "source": "deposit",
        "source_event": "pokt:" + "AB" * 32,
        "nonce": 3,
        "order": {"recipient": RECIPIENT, "amount": "1000", "nonce": 3},
        "signers": [],
        "signatures": [],
    }
    document.update(fields)
    return Entry.from_document(MINTS, document)


def test_a_remembered_holder_is_known_whatever_its_state_fields_say() -> None:
    vouched = VouchedHolders(HOLDER_FIELDS)
    entry_id = ObjectId()
    assert not vouched.knows(holder(entry_id))
    vouched.remember(holder(entry_id))
    assert vouched.knows(holder(entry_id))
    # a signature, a status, a hold: none of them is read by the verification
    assert vouched.knows(holder(entry_id, status="signed", signers=["node-01"], held="x"))
    # another entry with the same fields is its own holder
    assert not vouched.knows(holder(ObjectId()))


@pytest.mark.parametrize(
    ("field", "edited"),
    [
        ("transaction_hash", "CD" * 32),
        ("from_address", "pokt1other"),
        ("to_address", "0x" + "22" * 20),
        ("amount", "999999"),
        ("source", "burn_return"),
        ("source_event", "pokt:" + "CD" * 32),
        ("nonce", 4),
        ("order", {"recipient": RECIPIENT, "amount": "999999", "nonce": 3}),
        ("burn_index", 1),
        ("burn_recipient", "pokt1x"),
    ],
)
def test_an_edit_of_what_the_verification_reads_makes_a_stranger(field: str, edited: Any) -> None:
    vouched = VouchedHolders(HOLDER_FIELDS)
    entry_id = ObjectId()
    vouched.remember(holder(entry_id))
    assert not vouched.knows(holder(entry_id, **{field: edited}))


def test_an_entry_without_its_document_is_never_remembered() -> None:
    vouched = VouchedHolders(HOLDER_FIELDS)
    bare = Entry.from_document(MINTS, holder(ObjectId()).document)
    bare = Entry(**{**{f: getattr(bare, f) for f in bare.__dataclass_fields__}, "document": {}})
    vouched.remember(bare)
    assert not vouched.knows(bare)


def test_the_memory_is_bounded_and_forgets_the_oldest() -> None:
    vouched = VouchedHolders(HOLDER_FIELDS, capacity=2)
    first, second, third = ObjectId(), ObjectId(), ObjectId()
    for entry_id in (first, second, third):
        vouched.remember(holder(entry_id))
    assert not vouched.knows(holder(first))
    assert vouched.knows(holder(second))
    assert vouched.knows(holder(third))
