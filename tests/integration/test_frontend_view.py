"""The frontend view on the MongoDB wire server: the watchers' rounds copy entries into the
view database, a write never replaces a newer state of the entry (twelve nodes write the same
documents), an entry the view cannot map is counted and not shown, and the frontend's own
queries find what they look for."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.frontend_contract import BURN, INVALID_MINT, MINT, FrontendQueries, problems
from tests.unit.frontend.test_shapes import FACTS, VALIDATORS, mint_entry, signed_mint_entry
from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.leases import holder_of
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS
from wpokt_node.errors import DatabaseError
from wpokt_node.frontend import BURN_PROJECTIONS, MINT_PROJECTIONS, FrontendView
from wpokt_node.frontend.shapes import mint_view
from wpokt_node.frontend.view import VERSION, source_version, write_if_newer
from wpokt_node.frontend.writer import WriterLease

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


def _shown_from(db: Database[Document], entry_id: Any) -> Document:
    """What a node shapes from the entry as it reads it now."""
    document = db[MINTS].find_one({"_id": entry_id})
    assert document is not None
    shaped = mint_view(document, FACTS)
    shaped[VERSION] = source_version(document)
    return shaped


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
    # Given a signed mint a node read and shaped, and which then executed
    entry = signed_mint_entry(VALIDATORS[:3])
    mongo_db[MINTS].insert_one(entry)
    read_before = _shown_from(mongo_db, entry["_id"])
    mongo_db[MINTS].update_one(
        {"_id": entry["_id"]},
        {"$set": {"status": "executed", "execution_tx_hash": "0xfeed", "audit_seq": 5},
         "$currentDate": {"updated_at": True}},
    )  # fmt: skip
    _views(mongo_db, view_db).sync()
    assert _shown(view_db, "mints", entry["_id"])["status"] == "success"

    # When the node that read it before writes what it shaped then
    outcome = write_if_newer(view_db, "mints", read_before)

    # Then the view keeps the newer state
    assert outcome == "newer"
    assert _shown(view_db, "mints", entry["_id"])["status"] == "success"


def test_an_entry_stamped_by_a_fast_clock_still_shows_its_later_states(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    # Given a mint inserted by a node whose clock runs an hour ahead, shown as pending
    entry = mint_entry("detected", updated_at=datetime.now(UTC) + timedelta(hours=1))
    mongo_db[MINTS].insert_one(entry)
    view = _views(mongo_db, view_db)
    view.sync()
    assert _shown(view_db, "mints", entry["_id"])["status"] == "pending"

    # When another node confirms it (the server stamps updated_at, an hour "earlier")
    mongo_db[MINTS].update_one(
        {"_id": entry["_id"]},
        {"$set": {"status": "confirmed", "audit_seq": 1}, "$currentDate": {"updated_at": True}},
    )
    view.sync()

    # Then the view shows it confirmed
    assert _shown(view_db, "mints", entry["_id"])["status"] == "confirmed"


def test_a_document_the_view_cannot_even_key_is_counted_not_fatal(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    mongo_db[MINTS].insert_one(mint_entry("detected", _id={"not": "an id"}, amount="²"))
    report = _views(mongo_db, view_db).sync()
    assert report == {"view_written": 0, "view_unmappable": 1}


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


class StepClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _lease_view(
    db: Database[Document], view: Database[Document], node_id: str, clock: StepClock
) -> FrontendView:
    writer = WriterLease(db, "frontend-view:mints", node_id, ttl_s=1.0, clock=clock)
    return FrontendView(db, view, FACTS, MINT_PROJECTIONS, writer=writer)


def test_one_node_at_a_time_writes_the_entries_and_another_takes_over_when_it_stops(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    # Given two nodes' views under the writer lease, and a mint
    clock = StepClock()
    first, second = (_lease_view(mongo_db, view_db, n, clock) for n in ("node-01", "node-02"))
    entry = signed_mint_entry(VALIDATORS[:3])
    mongo_db[MINTS].insert_one(entry)

    # When both run a round, the first holds the lease and writes; the second writes nothing
    assert first.sync()["view_written"] == 1
    assert second.sync()["view_written"] == 0
    assert holder_of(mongo_db, "frontend-view:mints") == "node-01"

    # and a change is written by the holder alone
    mongo_db[MINTS].update_one({"_id": entry["_id"]},
                               {"$set": {"status": "executed", "audit_seq": 5},
                                "$currentDate": {"updated_at": True}})  # fmt: skip
    assert second.sync()["view_written"] == 0
    assert _shown(view_db, "mints", entry["_id"])["status"] != "success"
    assert first.sync()["view_written"] == 1
    assert _shown(view_db, "mints", entry["_id"])["status"] == "success"

    # When the first stops (its lease expires) and the entry changes while nobody writes
    mongo_db[MINTS].update_one({"_id": entry["_id"]}, {"$set": {"audit_seq": 6},
                               "$currentDate": {"updated_at": True}})  # fmt: skip
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while holder_of(mongo_db, "frontend-view:mints") is not None:
        assert datetime.now(UTC) < deadline, "the lease never expired"
    clock.now += 1.0  # the second's next check of the lease is due

    # Then the second takes the lease and shows the change it never saw
    assert second.sync()["view_written"] == 1
    assert holder_of(mongo_db, "frontend-view:mints") == "node-02"
    assert _shown(view_db, "mints", entry["_id"])[VERSION] == source_version(
        mongo_db[MINTS].find_one({"_id": entry["_id"]}) or {}
    )


def test_a_round_over_every_entry_writes_only_what_the_view_does_not_show(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    # Given three mints a node already shows, and a fourth it does not
    entries = [
        signed_mint_entry(
            VALIDATORS[:3], transaction_hash=f"{i:02X}" * 32, source_event=f"pokt:{i}"
        )
        for i in range(4)
    ]
    mongo_db[MINTS].insert_many(entries[:3])
    assert _views(mongo_db, view_db).sync()["view_written"] == 3
    mongo_db[MINTS].insert_one(entries[3])

    # When a node that never wrote (a new process, a new lease holder) runs its first round
    fresh = _views(mongo_db, view_db)
    before = COMMANDS.count
    written = fresh.sync()["view_written"]

    # Then it writes the fourth alone, and the view's versions answered for the rest: the
    # server's clock; per view collection (mints, invalidMints, burns) its versions and its
    # entries; the fourth's replace and insert (writing each of the three again would be 9 more)
    assert written == 1
    assert COMMANDS.count - before == 9
    assert view_db["mints"].count_documents({}) == 4


def test_a_holder_that_cannot_write_leaves_the_view_to_another(
    mongo_db: Database[Document], view_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given node 1 holding the writer lease, whose writes then fail
    clock = StepClock()
    first, second = (_lease_view(mongo_db, view_db, n, clock) for n in ("node-01", "node-02"))
    mongo_db[MINTS].insert_one(signed_mint_entry(VALIDATORS[:3]))
    assert first.sync()["view_written"] == 1

    def broken(report: dict[str, int]) -> None:
        raise DatabaseError("frontend view: writing mints failed: not authorized")

    monkeypatch.setattr(first, "_sync_entries", broken)
    clock.now += 1.0
    # When its round fails, it gives the lease up (and keeps away from it for a TTL)
    with pytest.raises(DatabaseError):
        first.sync()
    assert holder_of(mongo_db, "frontend-view:mints") is None
    # Then node 2 takes it at its next check, and node 1 does not take it back meanwhile
    assert second.sync()["view_written"] == 0  # the view already shows the entry
    assert holder_of(mongo_db, "frontend-view:mints") == "node-02"
    clock.now += 1.0
    assert first.sync()["view_written"] == 0
    assert holder_of(mongo_db, "frontend-view:mints") == "node-02"


def test_a_garbled_lease_document_counts_as_not_held(
    mongo_db: Database[Document], view_db: Database[Document]
) -> None:
    mongo_db["leases"].insert_one({"_id": "frontend-view:mints", "holder": "forger",
                                   "expires_at_ms": "never", "generation": 1})  # fmt: skip
    mongo_db[MINTS].insert_one(signed_mint_entry(VALIDATORS[:3]))
    view = _lease_view(mongo_db, view_db, "node-01", StepClock())
    assert view.sync() == {"view_written": 0, "view_unmappable": 0}
