"""Burn returns in the database: which failed burns get one, recorded once, and how the devnet's
invariants account for them (mongomock; the chains are in tests/integration/burn)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import mongomock
import pytest
from pymongo.database import Database

from wpokt_devnet.invariants import check_invariants
from wpokt_node.burn.returns import record_burn_returns
from wpokt_node.db.bootstrap import ensure_indexes
from wpokt_node.db.models import Entry, new_entry
from wpokt_node.db.schema import BURNS, MINTS, MintSource
from wpokt_node.errors import ValidationError

Document = dict[str, Any]
BURNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TX = "0x" + "ab" * 32


@pytest.fixture
def db() -> Iterator[Database[Document]]:
    client: Any = mongomock.MongoClient(tz_aware=True)
    database: Database[Document] = client["unit"]
    ensure_indexes(database)
    yield database
    client.close()


def _burn(
    db: Database[Document], index: int, status: str, error: str | None, tx: str = TX
) -> Document:
    document = new_entry(
        transaction_hash=tx, height=9, from_address=BURNER, to_address=f"pokt1to{index}",
        amount=1_000_000, burn_index=index, log_index=index, block_hash="0x01", sequence=None,
    )  # fmt: skip
    document.update(status=status, error=error)
    db[BURNS].insert_one(document)
    return document


def test_a_return_is_recorded_once_for_each_burn_failed_for_its_recipient(
    db: Database[Document],
) -> None:
    # Given burns of one tx failed for their recipient, failed for another reason, paid, open
    _burn(db, 0, "failed", "recipient_is_module_account")
    _burn(db, 1, "failed", "recipient_is_the_vault")
    _burn(db, 2, "failed", "below_minimum_payout")
    _burn(db, 3, "executed", None)
    _burn(db, 4, "confirmed", None)

    # When returns are recorded, twice
    recorded = [record_burn_returns(db), record_burn_returns(db)]

    # Then the first two burns each have one return to the burner, and nothing else does
    assert recorded == [2, 0]
    returns = list(db[MINTS].find().sort("burn_index", 1))
    assert [
        (r["source"], r["source_event"], r["burn_index"], r["reason"], r["burn_recipient"])
        for r in returns
    ] == [
        ("burn_return", f"eth:{TX}:0", 0, "recipient_is_module_account", "pokt1to0"),
        ("burn_return", f"eth:{TX}:1", 1, "recipient_is_the_vault", "pokt1to1"),
    ]
    assert {(r["to_address"], r["amount"], r["status"], r["nonce"]) for r in returns} == {
        (BURNER, "1000000", "detected", None)
    }


def test_an_unreadable_failed_burn_is_skipped(db: Database[Document]) -> None:
    bad = _burn(db, 0, "failed", "recipient_is_module_account")
    db[BURNS].update_one({"_id": bad["_id"]}, {"$set": {"from_address": "not an address"}})
    _burn(db, 1, "failed", "recipient_is_module_account")
    assert record_burn_returns(db) == 1
    assert [r["burn_index"] for r in db[MINTS].find()] == [1]


def test_a_mint_is_read_as_a_deposit_or_a_return_and_nothing_else() -> None:
    mint = new_entry(transaction_hash="AB", height=1, from_address="a", to_address="b", amount=1)
    assert Entry.from_document(MINTS, mint).source is MintSource.DEPOSIT  # recorded before
    returned = {**mint, "source": "burn_return"}
    assert Entry.from_document(MINTS, returned).source is MintSource.BURN_RETURN
    with pytest.raises(ValidationError, match="unknown mint source"):  # left alone, malformed
        Entry.from_document(MINTS, {**mint, "source": "gift"})


def _books(db: Database[Document], supply: int) -> list[str]:
    return check_invariants(db, wpokt_supply=supply, vault_balance=0).problems


def test_the_books_count_a_return_as_a_mint_and_a_burn_owed_one_until_it_is_paid(
    db: Database[Document],
) -> None:
    # Given a burn failed for its recipient, and its return recorded
    burn = _burn(db, 0, "failed", "recipient_is_module_account")
    record_burn_returns(db)

    # Then while the return is open the burn is owed its wPOKT back
    assert "failed for its recipient and not returned" in " ".join(_books(db, 0))

    # When the return is executed, the supply is what it was before the burn
    db[MINTS].update_one({}, {"$set": {"status": "executed"}})
    assert _books(db, 0) == []

    # And a burn both paid and returned is a problem
    db[BURNS].update_one({"_id": burn["_id"]}, {"$set": {"status": "executed"}})
    problems = _books(db, -1_000_000)
    assert any("paid and returned" in p for p in problems), problems
