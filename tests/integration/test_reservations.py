"""Reserving a mint nonce or vault sequence on the MongoDB wire server: the lowest number that
is free, this entry's own, or held by an entry that can no longer use it; a window of numbers
read at once; never the same number for two entries, even without the allocation lease."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.reservations import MINT_NONCE, reservation_id, reserve
from wpokt_node.db.schema import MINTS, RESERVATIONS, Status

pytestmark = pytest.mark.node

Document = dict[str, Any]
SCOPE = "0x" + "ab" * 20


def _entry(db: Database[Document], status: Status, nonce: int | None = None) -> ObjectId:
    entry_id = ObjectId()
    db[MINTS].insert_one({"_id": entry_id, "status": status.value, "nonce": nonce,
                          "transaction_hash": str(entry_id), "from_address": "p",
                          "amount": "1", "source_event": str(entry_id)})  # fmt: skip
    return entry_id


def _reserve(db: Database[Document], entry_id: ObjectId, taken: set[int] | None = None) -> int:
    return reserve(db, kind=MINT_NONCE, scope=SCOPE, collection=MINTS, entry_id=entry_id,
                   number_field="nonce", first=1, taken=taken or set())  # fmt: skip


def test_the_lowest_usable_number_is_reserved_once_per_entry(mongo_db: Database[Document]) -> None:
    # Given nonce 1 held by a started mint, 2 by one that failed since, 3 by one that moved on
    # to nonce 9
    held = [_entry(mongo_db, Status.STARTED, n) for n in (1, 2, 3)]
    assert [_reserve(mongo_db, holder) for holder in held] == [1, 2, 3]
    mongo_db[MINTS].update_one({"_id": held[1]}, {"$set": {"status": Status.FAILED.value}})
    mongo_db[MINTS].update_one({"_id": held[2]}, {"$set": {"nonce": 9}})
    # When new entries reserve: the failed holder's 2 is taken over, then the moved one's 3
    fresh = [_entry(mongo_db, Status.CONFIRMED) for _ in range(3)]
    assert [_reserve(mongo_db, e) for e in fresh[:2]] == [2, 3]
    # Then an entry asking again gets its own number, and a number some open entry holds
    # without a reservation (``taken``) is passed over
    assert _reserve(mongo_db, fresh[0]) == 2
    assert _reserve(mongo_db, fresh[2], taken={4}) == 5
    owners = {r["number"]: r["entry_id"] for r in mongo_db[RESERVATIONS].find()}
    assert owners == {1: held[0], 2: fresh[0], 3: fresh[1], 5: fresh[2]}


def test_a_long_queue_costs_three_commands_per_reservation(mongo_db: Database[Document]) -> None:
    # Given 40 nonces held by open mints (more than one read window)
    for _ in range(40):
        entry_id = _entry(mongo_db, Status.STARTED)
        number = _reserve(mongo_db, entry_id)
        mongo_db[MINTS].update_one({"_id": entry_id}, {"$set": {"nonce": number}})
    # When the 41st reserves
    last = _entry(mongo_db, Status.CONFIRMED)
    before = COMMANDS.count
    assert _reserve(mongo_db, last) == 41
    # Then per window of 32: its reservations and their holders in two reads; then the insert
    assert COMMANDS.count - before == 2 + 2 + 1


def test_racing_entries_never_share_a_number(mongo_db: Database[Document]) -> None:
    # Given a stale reservation (its holder failed) among free numbers
    failed = _entry(mongo_db, Status.FAILED, 1)
    mongo_db[RESERVATIONS].insert_one({"_id": reservation_id(MINT_NONCE, SCOPE, 1),
                                       "kind": MINT_NONCE, "scope": SCOPE, "number": 1,
                                       "collection": MINTS, "entry_id": failed})  # fmt: skip
    entries = [_entry(mongo_db, Status.CONFIRMED) for _ in range(8)]
    got: dict[ObjectId, int] = {}
    start = threading.Barrier(len(entries))

    def run(entry_id: ObjectId) -> None:
        start.wait()
        got[entry_id] = _reserve(mongo_db, entry_id)

    # When eight reserve at once, without the allocation lease
    threads = [threading.Thread(target=run, args=(e,)) for e in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then each has its own number, 1 to 8, and the reservations say so
    assert sorted(got.values()) == list(range(1, 9))
    owners = {r["number"]: r["entry_id"] for r in mongo_db[RESERVATIONS].find()}
    assert owners == {n: e for e, n in got.items()}
