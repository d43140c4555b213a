"""Which nodes may share a database during a rolling upgrade: given ``db init`` recorded the
schema, a node of that schema starts; one older than the database's ``min_reader`` or newer
than its version is refused with what to do; ``db init`` never lowers the record; a running
node holds its signing once the record needs a newer node."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from wpokt_node.db.bootstrap import init_db_report
from wpokt_node.db.schema import CONTROL
from wpokt_node.db.schema_version import (
    MIN_READER,
    SCHEMA_ID,
    SCHEMA_VERSION,
    WATCH_INTERVAL_S,
    SchemaWatch,
    check_schema,
    read_schema,
    record_schema,
)
from wpokt_node.errors import DatabaseError, StartupCheckError

pytestmark = pytest.mark.node

Document = dict[str, Any]


def test_db_init_records_the_schema_and_a_node_of_it_starts(mongo_db: Database[Document]) -> None:
    report = init_db_report(mongo_db)
    assert (
        f"schema version {SCHEMA_VERSION} (nodes of schema {MIN_READER} and up)" in report.actions
    )
    record = read_schema(mongo_db)
    assert (record.version, record.min_reader) == (SCHEMA_VERSION, MIN_READER)
    assert str(record.by).startswith("wpokt-node ")
    check_schema(mongo_db, "test")


def test_a_node_older_than_the_databases_min_reader_is_refused(
    mongo_db: Database[Document],
) -> None:
    record_schema(mongo_db, by="wpokt-node 0.1.0")
    mongo_db[CONTROL].update_one(
        {"_id": SCHEMA_ID},
        {"$set": {"version": SCHEMA_VERSION + 1, "min_reader": SCHEMA_VERSION + 1, "by": "x 9"}},
    )
    with pytest.raises(StartupCheckError, match=f"needs nodes of schema {SCHEMA_VERSION + 1}"):
        check_schema(mongo_db, "0.1.0")
    with pytest.raises(DatabaseError, match="newer than this version's"):
        record_schema(mongo_db, by="wpokt-node 0.1.0")  # an old db init never lowers it


def test_a_newer_database_that_still_admits_this_node_lets_it_run(
    mongo_db: Database[Document],
) -> None:
    record_schema(mongo_db, by="wpokt-node 0.1.0")
    mongo_db[CONTROL].update_one(
        {"_id": SCHEMA_ID}, {"$set": {"version": SCHEMA_VERSION + 1, "min_reader": MIN_READER}}
    )
    check_schema(mongo_db, "0.1.0")  # mid-rollout: the old nodes keep running


def test_a_database_from_before_the_record_needs_db_init_first(
    mongo_db: Database[Document],
) -> None:
    mongo_db[CONTROL].delete_one({"_id": SCHEMA_ID})  # as a database initialised before it
    assert read_schema(mongo_db).version == 1
    with pytest.raises(StartupCheckError, match="run `wpokt-node db init --config FILE` first"):
        check_schema(mongo_db, "0.1.0")


def test_a_running_node_holds_once_the_database_needs_a_newer_one(
    mongo_db: Database[Document],
) -> None:
    record_schema(mongo_db, by="wpokt-node 0.1.0")
    now = [0.0]
    watch = SchemaWatch(mongo_db, "0.1.0", clock=lambda: now[0])
    assert watch.reason() is None
    mongo_db[CONTROL].update_one(
        {"_id": SCHEMA_ID},
        {"$set": {"version": SCHEMA_VERSION + 1, "min_reader": SCHEMA_VERSION + 1}},
    )
    assert watch.reason() is None  # read again only after an interval
    now[0] += WATCH_INTERVAL_S
    assert f"needs nodes of schema {SCHEMA_VERSION + 1} or newer" in str(watch.reason())
    mongo_db[CONTROL].update_one({"_id": SCHEMA_ID}, {"$set": {"min_reader": "broken"}})
    now[0] += WATCH_INTERVAL_S
    assert watch.reason() is not None  # an unreadable record keeps the last verdict
    mongo_db[CONTROL].update_one({"_id": SCHEMA_ID}, {"$set": {"min_reader": MIN_READER}})
    now[0] += WATCH_INTERVAL_S
    assert watch.reason() is None
