"""A watcher's cursors: kept in memory, written at once when the pass recorded something, else
at most once per interval."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from wpokt_node.db.nodes import Cursors, get_cursor

pytestmark = pytest.mark.node

Document = dict[str, Any]


def test_a_cursor_that_moves_over_nothing_is_written_once_per_interval(
    mongo_db: Database[Document],
) -> None:
    now = [0.0]
    cursors = Cursors(mongo_db, "node-01", write_every_s=30, clock=lambda: now[0])
    # given a first move: written (nothing was written before)
    cursors.set("pokt", 10, recorded=False)
    assert get_cursor(mongo_db, "node-01", "pokt") == 10
    # when it moves over blocks with nothing to record, within the interval: memory only
    now[0] = 29.0
    cursors.set("pokt", 40, recorded=False)
    assert cursors.get("pokt") == 40
    assert get_cursor(mongo_db, "node-01", "pokt") == 10
    # then once the interval has passed it is written
    now[0] = 30.0
    cursors.set("pokt", 41, recorded=False)
    assert get_cursor(mongo_db, "node-01", "pokt") == 41
    # and a pass that recorded an entry writes at once
    now[0] = 31.0
    cursors.set("pokt", 42, recorded=True)
    assert get_cursor(mongo_db, "node-01", "pokt") == 42
    # a restarted watcher starts from what was written (it records nothing twice)
    assert Cursors(mongo_db, "node-01").get("pokt") == 42
