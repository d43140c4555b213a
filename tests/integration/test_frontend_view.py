"""The frontend view on the MongoDB wire server: the watchers' rounds copy entries into the
view database, a write never replaces a newer state of the entry (twelve nodes write the same
documents), an entry the view cannot map is counted and not shown, and the frontend's own
queries find what they look for."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.frontend_contract import BURN, INVALID_MINT, MINT, FrontendQueries, problems
from tests.unit.frontend.test_shapes import FACTS, VALIDATORS, mint_entry, signed_mint_entry
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS
from wpokt_node.frontend import BURN_PROJECTIONS, MINT_PROJECTIONS, FrontendView
from wpokt_node.frontend.view import VERSION, write_if_newer

pytestmark = pytest.mark.node

Document = dict[str, Any]


@pytest.fixture
def view_db(mongo_db: Database[Document]) -> Iterator[Database[Document]]:
    view = mongo_db.client[f"{mongo_db.name}_frontend"]
    yield view
    mongo_db.client.drop_database(view.name)


def _shown(view: Database[Document], collection: str, entry_id: Any) -> Document:
    found = view[collection].find_one({"_id": entry_id})
    assert found is not None
    return found


def _views(db: Database[Document], view: Database[Document]) -> FrontendView:
    return FrontendView(db, view, FACTS, MINT_PROJECTIONS + BURN_PROJECTIONS)


def test_a_round_copies_each_entry_once_in_the_frontends_shape(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    # Given a signed mint, a burn, a refund and a mint whose status no release knows
    signed = signed_mint_entry(VALIDATORS[:3])
    sender = signed["to_address"]
    burn = new_entry(transaction_hash="0x" + "ab" * 32, height=56, from_address=sender,
                     to_address="pokt1gl4s3thducl56jyrvk4wn2eglx620lq74zpcs7", amount=1_000_000,
                     burn_index=0, log_index=4, block_hash="0x" + "cd" * 32)  # fmt: skip
    refund = new_entry(transaction_hash="6CFA" * 16, height=9, from_address=FACTS.vault_address,
                       to_address=FACTS.vault_address, amount=3_000_000, memo="hello",
                       reason="memo_not_json")  # fmt: skip
    broken = mint_entry("paid", transaction_hash="AB" * 32, source_event="pokt:AB")
    for collection, document in (
        (MINTS, signed),
        (BURNS, burn),
        (REFUNDS, refund),
        (MINTS, broken),
    ):
        mongo_db[collection].insert_one(document)

    # When one node's watchers run two rounds
    view = _views(mongo_db, view_db)
    first, second = view.sync(), view.sync()

    # Then the three are in the view, valid and found by the frontend's queries; the broken
    # one is counted, not shown; the second round writes nothing
    assert first == {"view_written": 3, "view_unmappable": 1}
    assert second["view_written"] == 0
    queries = FrontendQueries(view_db, FACTS.wpokt_address, FACTS.vault_address)
    [mint] = queries.active_mints(signed["to_address"])
    assert mint["_id"] == signed["_id"]
    assert problems(MINT, mint) == []
    assert queries.mint_from_pokt_tx("0x" + signed["transaction_hash"]) == mint
    [shown_burn] = queries.burns_from(sender=burn["from_address"])
    assert problems(BURN, shown_burn) == []
    assert queries.burn_from_hash(burn["transaction_hash"]) == shown_burn
    [invalid] = queries.invalid_mints()
    assert problems(INVALID_MINT, invalid) == []
    assert view_db["mints"].find_one({"_id": broken["_id"]}) is None


def test_a_stale_writer_never_replaces_a_newer_state(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    # Given a mint the view shows as executed
    entry = signed_mint_entry(VALIDATORS[:3])
    mongo_db[MINTS].insert_one(entry)
    stale = _views(mongo_db, view_db)
    stale.sync()
    mongo_db[MINTS].update_one(
        {"_id": entry["_id"]},
        {"$set": {"status": "executed", "execution_tx_hash": "0xfeed", "audit_seq": 5},
         "$currentDate": {"updated_at": True}},
    )  # fmt: skip
    _views(mongo_db, view_db).sync()
    assert _shown(view_db, "mints", entry["_id"])["status"] == "success"

    # When a node that read the entry before writes its older shape again
    old = dict(_shown(view_db, "mints", entry["_id"]))
    old.update(status="signed", mint_tx_hash="")
    old[VERSION] = "000000000000001:000000:0003"
    outcome = write_if_newer(view_db, "mints", old)

    # Then the view keeps the newer state
    assert outcome == "newer"
    assert _shown(view_db, "mints", entry["_id"])["status"] == "success"


def test_twelve_writers_racing_leave_the_newest_version(view_db: Database[Document]) -> None:
    entry_id = ObjectId()
    versions = [f"{v:015d}:000000:0000" for v in range(1, 49)]
    random.Random(7).shuffle(versions)
    chunks = [versions[i::12] for i in range(12)]

    def writer(mine: list[str]) -> None:
        for version in mine:
            write_if_newer(view_db, "burns", {"_id": entry_id, VERSION: version, "n": version})

    threads = [threading.Thread(target=writer, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _shown(view_db, "burns", entry_id)[VERSION] == max(versions)
    assert view_db["burns"].count_documents({}) == 1
