"""Data-layer operations in one process, on mongomock (the races run in the conformance suite)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import mongomock
import pytest
from bson import ObjectId
from pymongo.database import Database

from wpokt_node.db import leases, nodes
from wpokt_node.db.bootstrap import ensure_indexes
from wpokt_node.db.client import connect
from wpokt_node.db.entries import add_signature, insert_once
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import AUDIT, BURNS, MINTS, Status
from wpokt_node.db.transitions import audit_trail, repair_audit, transition
from wpokt_node.errors import DatabaseError, ValidationError

Document = dict[str, Any]


@pytest.fixture
def db() -> Iterator[Database[Document]]:
    client: Any = mongomock.MongoClient(tz_aware=True)
    database: Database[Document] = client["unit"]
    ensure_indexes(database)
    yield database
    client.close()


def mint(tx: str = "aa", amount: int = 5, sender: str = "pokt1a") -> Document:
    return new_entry(
        transaction_hash=tx, height=7, from_address=sender, to_address="0xb", amount=amount,
        source_event=f"pokt:{tx.upper()}",
    )  # fmt: skip


def test_insert_once_reports_the_already_recorded_document(db: Database[Document]) -> None:
    first = mint()
    outcome = insert_once(db[MINTS], first)
    assert outcome.inserted
    assert outcome.id == first["_id"]
    again = insert_once(db[MINTS], mint())  # same key, different _id
    assert not again.inserted
    assert again.id == first["_id"]
    other = insert_once(db[MINTS], mint(amount=6))  # a different deposit in the same tx
    assert other.inserted
    assert other.id != first["_id"]
    assert [d["_id"] for d in db[MINTS].find({"transaction_hash": "aa"})] == [
        first["_id"],
        other.id,
    ]


def test_insert_once_needs_the_key_fields(db: Database[Document]) -> None:
    entry = mint()
    del entry["from_address"]
    with pytest.raises(ValidationError, match="from_address"):
        insert_once(db[MINTS], entry)


def test_two_returns_of_one_tx_are_two_mints(db: Database[Document]) -> None:
    # Given two burns of one amount by one sender in one Ethereum tx
    tx = "0x" + "ab" * 32

    def burn_return(index: int) -> Document:
        return {**mint(tx=tx, sender="0xB"), "source_event": f"eth:{tx}:{index}"}

    # When both are returned, twice
    first, second = insert_once(db[MINTS], burn_return(0)), insert_once(db[MINTS], burn_return(1))

    # Then each is recorded once
    assert (first.inserted, second.inserted) == (True, True)
    assert insert_once(db[MINTS], burn_return(1)).id == second.id
    entry = mint()
    del entry["source_event"]
    with pytest.raises(ValidationError, match="source_event"):
        insert_once(db[MINTS], entry)


def test_burn_key_is_the_burn_index_not_the_log_index(db: Database[Document]) -> None:
    a = {**mint(tx="cc"), "burn_index": 0, "log_index": 3}
    b = {**mint(tx="cc"), "_id": ObjectId(), "burn_index": 1, "log_index": 5}
    assert insert_once(db[BURNS], a).inserted
    assert insert_once(db[BURNS], b).inserted
    assert not insert_once(db[BURNS], {**a, "_id": ObjectId()}).inserted
    moved = {**a, "_id": ObjectId(), "log_index": 9}  # the same burn, re-included elsewhere
    assert insert_once(db[BURNS], moved).id == a["_id"]
    with pytest.raises(ValidationError, match="burn_index"):
        insert_once(db[BURNS], {k: v for k, v in b.items() if k != "burn_index"})


def test_transition_moves_one_step_and_writes_the_audit(db: Database[Document]) -> None:
    entry = mint()
    insert_once(db[MINTS], entry)
    done = transition(
        db,
        MINTS,
        entry["_id"],
        expected=Status.DETECTED,
        to=Status.CONFIRMED,
        node_id="node-1",
        reason="12 confirmations",
        set_fields={"confirmations": 12},
    )
    assert done is not None
    assert done["status"] == "confirmed"
    assert done["confirmations"] == 12
    assert done["audit_seq"] == 1
    assert done["updated_at"] >= entry["created_at"]
    audit = audit_trail(db, entry["_id"])
    assert len(audit) == 1
    assert {k: audit[0][k] for k in ("collection", "seq", "from", "to", "node_id", "reason")} == {
        "collection": "mints",
        "seq": 1,
        "from": "detected",
        "to": "confirmed",
        "node_id": "node-1",
        "reason": "12 confirmations",
    }
    # The loser (still expecting 'detected') changes nothing.
    lost = transition(
        db,
        MINTS,
        entry["_id"],
        expected=Status.DETECTED,
        to=Status.CONFIRMED,
        node_id="node-2",
        reason="late",
    )
    assert lost is None
    assert db[MINTS].find_one({"_id": entry["_id"]}) == done
    assert len(audit_trail(db, entry["_id"])) == 1


def test_transition_rejects_changes_outside_the_table(db: Database[Document]) -> None:
    entry = mint()
    insert_once(db[MINTS], entry)
    for expected, to in [
        (Status.DETECTED, Status.SIGNED),
        (Status.EXECUTED, Status.FAILED),
        (Status.FAILED, Status.CONFIRMED),
        (Status.EXECUTED, Status.DETECTED),
        (Status.CONFIRMED, Status.DETECTED),
    ]:
        with pytest.raises(ValidationError):
            transition(db, MINTS, entry["_id"], expected=expected, to=to, node_id="n", reason="")
    assert db[MINTS].find_one({"_id": entry["_id"]})["status"] == "detected"  # type: ignore[index]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "executed"},
        {"audit_seq": 0},
        {"transitions.0": {}},
        {"$set": {}},
        {"signers": []},
        {"order": {"deadline": __import__("datetime").datetime(2030, 1, 1)}},
    ],
)
def test_transition_rejects_unsafe_set_fields(db: Database[Document], fields: Document) -> None:
    entry = mint()
    insert_once(db[MINTS], entry)
    with pytest.raises(ValidationError):
        transition(
            db,
            MINTS,
            entry["_id"],
            expected=Status.DETECTED,
            to=Status.FAILED,
            node_id="n",
            reason="",
            set_fields=fields,
        )


def test_missing_audit_copy_is_repaired(db: Database[Document]) -> None:
    entry = mint()
    insert_once(db[MINTS], entry)
    args: Any = {"node_id": "n1", "reason": "r"}
    transition(db, MINTS, entry["_id"], expected=Status.DETECTED, to=Status.CONFIRMED, **args)
    # Simulate a crash between the entry update and the audit insert.
    db[AUDIT].delete_many({"entry_id": entry["_id"]})
    # The next transition re-copies the previous record ...
    transition(db, MINTS, entry["_id"], expected=Status.CONFIRMED, to=Status.STARTED, **args)
    assert sorted(d["seq"] for d in audit_trail(db, entry["_id"])) == [1, 2]
    # ... and repair_audit restores whatever is missing, once.
    db[AUDIT].delete_many({"entry_id": entry["_id"]})
    assert repair_audit(db) == 2
    assert repair_audit(db) == 0
    seqs = [(d["seq"], d["from"], d["to"]) for d in audit_trail(db, entry["_id"])]
    assert sorted(seqs) == [(1, "detected", "confirmed"), (2, "confirmed", "started")]


def test_add_signature_once_per_node_and_only_in_the_expected_status(
    db: Database[Document],
) -> None:
    entry = mint()
    insert_once(db[MINTS], entry)
    sig: Any = {"signer": "0xS", "signature": "ab" * 65}
    assert not add_signature(db, MINTS, entry["_id"], expected=Status.STARTED, node_id="n1", **sig)
    transition(
        db,
        MINTS,
        entry["_id"],
        expected=Status.DETECTED,
        to=Status.CONFIRMED,
        node_id="n",
        reason="",
    )
    transition(
        db,
        MINTS,
        entry["_id"],
        expected=Status.CONFIRMED,
        to=Status.STARTED,
        node_id="n",
        reason="",
    )
    assert add_signature(db, MINTS, entry["_id"], expected=Status.STARTED, node_id="n1", **sig)
    assert not add_signature(db, MINTS, entry["_id"], expected=Status.STARTED, node_id="n1", **sig)
    assert add_signature(db, MINTS, entry["_id"], expected=Status.STARTED, node_id="n2", **sig)
    stored = db[MINTS].find_one({"_id": entry["_id"]})
    assert stored is not None
    assert stored["signers"] == ["n1", "n2"]
    assert [s["node_id"] for s in stored["signatures"]] == ["n1", "n2"]
    assert stored["signatures"][0] == {"node_id": "n1", **sig}
    with pytest.raises(ValidationError):
        add_signature(db, MINTS, entry["_id"], expected=Status.STARTED, node_id="", **sig)


def test_a_signature_read_before_a_re_prepare_is_not_added_after_it(
    db: Database[Document],
) -> None:
    """A node read the entry, signed its payload; meanwhile another node prepared it again
    (a new payload): the old signature must not land on the new payload as this node's."""
    entry = mint()
    insert_once(db[MINTS], entry)
    sig: Any = {"signer": "0xS", "signature": "ab" * 65}
    for before, after in ((Status.DETECTED, Status.CONFIRMED), (Status.CONFIRMED, Status.STARTED)):
        transition(db, MINTS, entry["_id"], expected=before, to=after, node_id="n", reason="")
    read = db[MINTS].find_one({"_id": entry["_id"]})
    assert read is not None
    seen = read["audit_seq"]
    for before, after in ((Status.STARTED, Status.CONFIRMED), (Status.CONFIRMED, Status.STARTED)):
        transition(db, MINTS, entry["_id"], expected=before, to=after, node_id="m", reason="")
    stale = {"expected": Status.STARTED, "node_id": "n1", "audit_seq": seen, **sig}
    assert not add_signature(db, MINTS, entry["_id"], **stale)
    assert add_signature(db, MINTS, entry["_id"], **{**stale, "audit_seq": seen + 2})


def test_lease_lifecycle(db: Database[Document], monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000]
    monkeypatch.setattr(leases, "now_ms", lambda: clock[0])
    assert leases.acquire(db, "mint-executor", "a", 10)
    assert leases.acquire(db, "mint-executor", "a", 10)  # re-entrant: extends
    assert not leases.acquire(db, "mint-executor", "b", 10)
    assert leases.holder_of(db, "mint-executor") == "a"
    clock[0] += 9_000
    assert leases.renew(db, "mint-executor", "a", 10)
    clock[0] += 9_000
    assert not leases.acquire(db, "mint-executor", "b", 10)  # renewed, not expired yet
    clock[0] += 1_001
    assert leases.holder_of(db, "mint-executor") is None
    assert leases.acquire(db, "mint-executor", "b", 10)  # takeover after expiry
    assert not leases.renew(db, "mint-executor", "a", 10)
    assert not leases.release(db, "mint-executor", "a")
    assert leases.release(db, "mint-executor", "b")
    assert not leases.release(db, "mint-executor", "b")
    assert leases.acquire(db, "mint-executor", "a", 10)  # released: free at once
    with pytest.raises(ValidationError):
        leases.acquire(db, "x", "a", 0)


def test_cursors_and_heartbeats(db: Database[Document]) -> None:
    assert nodes.get_cursor(db, "node-1", "pokt_height") is None
    nodes.set_cursor(db, "node-1", "pokt_height", 120)
    nodes.set_cursor(db, "node-1", "eth_block", 9)
    nodes.set_cursor(db, "node-1", "pokt_height", 121)
    nodes.set_cursor(db, "node-2", "pokt_height", 5)
    assert nodes.get_cursor(db, "node-1", "pokt_height") == 121
    assert nodes.get_cursor(db, "node-1", "eth_block") == 9
    assert nodes.get_cursor(db, "node-2", "pokt_height") == 5
    nodes.heartbeat(db, "node-1", "pokt_watcher", height=121, last_error=None)
    doc = nodes.node_document(db, "node-1")
    assert doc is not None
    beat = doc["workers"]["pokt_watcher"]
    assert beat["height"] == 121
    assert beat["last_error"] is None
    assert beat["at"].tzinfo is not None
    assert isinstance(beat["pid"], int)
    assert doc["cursors"] == {"pokt_height": 121, "eth_block": 9}
    with pytest.raises(ValidationError):
        nodes.set_cursor(db, "node-1", "a.b", 1)
    with pytest.raises(ValidationError):
        nodes.set_cursor(db, "node-1", "x", -1)
    with pytest.raises(ValidationError):
        nodes.heartbeat(db, "node-1", "w", **{"a.b": 1})


def test_unreachable_server_fails_fast_naming_the_uri_without_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        uri = f"mongodb://wpokt:hunter2secret@127.0.0.1:{port}/?authSource=admin"
        started = time.monotonic()
        with pytest.raises(DatabaseError) as caught:
            connect(uri, "wpokt", timeout_ms=400)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "[REDACTED]" in message
    assert "hunter2secret" not in message


def test_invalid_uri_is_a_database_error_without_the_password() -> None:
    with pytest.raises(DatabaseError) as caught:
        connect("mongodb://u:pw-s3cret@127.0.0.1:notaport/", "x", timeout_ms=200)
    assert "invalid MongoDB connection string mongodb://u:[REDACTED]@" in str(caught.value)
    assert "pw-s3cret" not in str(caught.value)
