"""The embedded server's life cycle , ``devnet db-serve`` and ``db init``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.fixtures.mongo import unique_db_name
from wpokt_devnet.mongo import EmbeddedMongo, free_port, ping
from wpokt_node.db.bootstrap import init_db, init_db_report
from wpokt_node.db.client import connect
from wpokt_node.db.entries import insert_once
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import ALL_COLLECTIONS, BURNS, INDEXES, MINTS, Status
from wpokt_node.db.transitions import audit_trail, transition
from wpokt_node.errors import DatabaseError
from wpokt_node.node.cli import main

pytestmark = pytest.mark.conformance

Document = dict[str, Any]
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "config.example.yaml"
needs_embedded = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="restarts its own embedded server"
)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes (it no longer serves anything).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _index_keys(db: Database[Document], name: str) -> set[tuple[tuple[tuple[str, int], ...], bool]]:
    return {
        (tuple((str(k), int(v)) for k, v in ix["key"].items()), bool(ix.get("unique")))
        for ix in db[name].list_indexes()
    }


def test_mongo_db_fixture_is_initialised(mongo_db: Database[Document]) -> None:
    for name in ALL_COLLECTIONS:
        keys = _index_keys(mongo_db, name)
        for spec in INDEXES[name]:
            assert (spec.keys, spec.unique) in keys, (name, spec)


def test_init_is_idempotent_and_reports_validators(mongo_uri: str) -> None:
    db = connect(mongo_uri, unique_db_name("init"))
    try:
        first = init_db_report(db)
        second = init_db_report(db)
        assert any(a.startswith("created collection mints") for a in first.actions)
        assert not any("created" in a for a in second.actions)
        for name in ALL_COLLECTIONS:
            info = next(iter(db.list_collections(filter={"name": name})))
            if (info.get("options") or {}).get("validator"):
                continue  # a server that keeps validators (MongoDB)
            assert any(w.startswith(f"{name}:") for w in second.warnings), second.warnings
    finally:
        db.client.drop_database(db.name)
        db.client.close()


def test_validators_reject_bad_documents_where_supported(mongo_db: Database[Document]) -> None:
    info = next(iter(mongo_db.list_collections(filter={"name": MINTS})))
    if not (info.get("options") or {}).get("validator"):
        pytest.skip("this server does not keep $jsonSchema validators (nx-27017)")
    from pymongo.errors import WriteError

    bad = new_entry(transaction_hash="v", height=1, from_address="a", to_address="b", amount=1)
    bad["amount"] = "1.5"
    with pytest.raises(WriteError):
        mongo_db[MINTS].insert_one(bad)


def _old_burn(tx: str, block: str, log_index: int) -> Document:
    """A burn entry as it was recorded while burns were keyed by their log index."""
    entry = new_entry(transaction_hash=tx, height=5, from_address="0xa", to_address="p", amount=1)
    return {**entry, "log_index": log_index, "block_hash": block}


def test_init_gives_old_burns_their_burn_index_and_drops_the_old_key(mongo_uri: str) -> None:
    # Given burns recorded under the old key: two in tx a (one block), one in tx b
    db = connect(mongo_uri, unique_db_name("upgrade"))
    try:
        db[BURNS].create_index([("transaction_hash", 1), ("log_index", 1)], unique=True)
        old = [
            _old_burn("0xa", "0xb1", 5),
            _old_burn("0xa", "0xb1", 3),
            _old_burn("0xb", "0xb2", 0),
        ]
        db[BURNS].insert_many(old)

        # When db init runs (twice)
        first = init_db_report(db)
        second = init_db_report(db)

        # Then each burn has its ordinal in its tx, and only the new key is unique
        found = {d["_id"]: d["burn_index"] for d in db[BURNS].find({})}
        assert [found[d["_id"]] for d in old] == [1, 0, 0]
        assert "gave 3 recorded burns their burn_index" in first.actions
        assert any(a.startswith("dropped retired index") for a in first.actions)
        assert not any(a.startswith(("gave", "dropped")) for a in second.actions), second.actions
        keys = _index_keys(db, BURNS)
        assert ((("transaction_hash", 1), ("burn_index", 1)), True) in keys
        assert not any(k == (("transaction_hash", 1), ("log_index", 1)) for k, _ in keys)
        moved = {**old[2], "_id": ObjectId(), "burn_index": 0, "log_index": 7}
        assert insert_once(db[BURNS], moved).id == old[2]["_id"]
    finally:
        db.client.drop_database(db.name)
        db.client.close()


def test_init_keys_old_mints_by_their_source_event_and_drops_the_old_key(mongo_uri: str) -> None:
    # Given mints recorded under the old key (transaction_hash, from_address, amount)
    db = connect(mongo_uri, unique_db_name("upgrade"))
    try:
        old_key = [("transaction_hash", 1), ("from_address", 1), ("amount", 1)]
        db[MINTS].create_index(old_key, unique=True)
        old = [
            new_entry(transaction_hash=tx, height=5, from_address="pokt1a", to_address="0xb",
                      amount=1)
            for tx in ("ab" * 32, "CD" * 32)
        ]  # fmt: skip
        db[MINTS].insert_many(old)

        # When db init runs (twice)
        first = init_db_report(db)
        second = init_db_report(db)

        # Then each is a deposit keyed by its source event, and only the new key is unique
        found = {d["_id"]: (d["source"], d["source_event"]) for d in db[MINTS].find({})}
        assert [found[d["_id"]] for d in old] == [
            ("deposit", "pokt:" + "AB" * 32),
            ("deposit", "pokt:" + "CD" * 32),
        ]
        assert "gave 2 recorded mints their source_event" in first.actions
        assert any(a.startswith("dropped retired index") for a in first.actions)
        assert not any(a.startswith(("gave", "dropped")) for a in second.actions), second.actions
        keys = _index_keys(db, MINTS)
        assert ((*old_key, ("source_event", 1)), True) in keys
        assert not any(k == tuple(old_key) for k, _ in keys)
        again = {**old[1], "_id": ObjectId(), "source_event": "pokt:" + "CD" * 32}
        assert insert_once(db[MINTS], again).id == old[1]["_id"]
    finally:
        db.client.drop_database(db.name)
        db.client.close()


def test_init_refuses_a_burn_recorded_twice_by_the_old_key(mongo_uri: str) -> None:
    db = connect(mongo_uri, unique_db_name("upgrade"))
    try:
        twice = [_old_burn("0xc", "0xb1", 4), _old_burn("0xc", "0xb9", 6)]  # re-included
        db[BURNS].insert_many(twice)
        with pytest.raises(DatabaseError, match="tx 0xc was recorded again") as raised:
            init_db(db)
        assert all(str(d["_id"]) in str(raised.value) for d in twice)
    finally:
        db.client.drop_database(db.name)
        db.client.close()


@needs_embedded
def test_restart_keeps_data_and_indexes(tmp_path: Path) -> None:
    server = EmbeddedMongo(tmp_path / "srv").start()
    try:
        db = connect(server.uri, "restart")
        init_db(db)
        entry = new_entry(
            transaction_hash="r1", height=3, from_address="a", to_address="b", amount=9,
            source_event="pokt:R1",
        )  # fmt: skip
        assert insert_once(db[MINTS], entry).inserted
        moved = transition(
            db, MINTS, entry["_id"], expected=Status.DETECTED, to=Status.CONFIRMED,
            node_id="n1", reason="before restart",
        )  # fmt: skip
        assert moved is not None
        indexes_before = {n: _index_keys(db, n) for n in ALL_COLLECTIONS}
        db.client.close()
        old_pid = server.pid
        assert old_pid is not None
        server.restart()
        assert server.pid != old_pid
        assert not _pid_alive(old_pid)
        db = connect(server.uri, "restart")
        stored = db[MINTS].find_one({"_id": entry["_id"]})
        assert stored is not None
        assert stored["status"] == "confirmed"
        assert stored["amount"] == "9"
        assert [a["reason"] for a in audit_trail(db, entry["_id"])] == ["before restart"]
        assert {n: _index_keys(db, n) for n in ALL_COLLECTIONS} == indexes_before
        dup = insert_once(db[MINTS], {**entry, "_id": ObjectId()})
        assert not dup.inserted
        assert dup.id == entry["_id"]
        db.client.close()
    finally:
        server.stop()
    assert not server.is_running()


@needs_embedded
def test_server_refuses_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DatabaseError, match="already in use"):
            EmbeddedMongo(tmp_path / "busy", port).start()


def _config_env(monkeypatch: pytest.MonkeyPatch, uri: str, database: str) -> None:
    monkeypatch.setenv("WPOKT_MONGODB__URI", uri)
    monkeypatch.setenv("WPOKT_MONGODB__DATABASE", database)
    monkeypatch.setenv("WPOKT_MONGODB__TIMEOUT_MS", "800")


def test_cli_db_init_twice(
    mongo_uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = unique_db_name("cli")
    _config_env(monkeypatch, mongo_uri, name)
    try:
        assert main(["db", "init", "--config", str(EXAMPLE)]) == 0
        first = capsys.readouterr()
        assert "created collection mints" in first.out
        assert f"initialised database '{name}'" in first.out
        assert main(["db", "init", "--config", str(EXAMPLE)]) == 0
        second = capsys.readouterr()
        assert "created" not in second.out
        assert f"initialised database '{name}'" in second.out
    finally:
        client = connect(mongo_uri, name).client
        client.drop_database(name)
        client.close()


def test_cli_db_init_unreachable_names_the_redacted_uri(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    _config_env(monkeypatch, f"mongodb://wpokt:t0p-s3cret@127.0.0.1:{port}/", "x")
    started = time.monotonic()
    assert main(["db", "init", "--config", str(EXAMPLE)]) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert f"mongodb://wpokt:[REDACTED]@127.0.0.1:{port}/" in err
    assert "t0p-s3cret" not in err


@needs_embedded
def test_devnet_db_serve_prints_the_uri_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    directory = tmp_path / "served"
    process = subprocess.Popen(
        [sys.executable, "-m", "wpokt_node.node.cli", "devnet", "db-serve", "--dir", str(directory),
         "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        line = process.stdout.readline().strip()
        assert line == f"mongodb://127.0.0.1:{port}/", line or process.stderr.read()
        assert ping(line)
        server_pid = int((directory / "nx-27017.pid").read_text())
        assert _pid_alive(server_pid)
        assert (directory / "data").is_dir()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        deadline = time.monotonic() + 5
        while _pid_alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _pid_alive(server_pid)
        assert not ping(line, timeout_ms=200)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


_OWNER = """
import sys, time
from wpokt_devnet.mongo import EmbeddedMongo
server = EmbeddedMongo(sys.argv[1]).start()
print(server.pid, flush=True)
time.sleep(60)
"""


@needs_embedded
def test_server_dies_with_a_killed_owner(tmp_path: Path) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(tmp_path / "orphan")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        server_pid = int(owner.stdout.readline())
        assert _pid_alive(server_pid)
        owner.kill()  # SIGKILL: no finalizer, no atexit
        owner.wait()
        deadline = time.monotonic() + 30  # its SIGTERM shutdown, on a loaded machine
        while _pid_alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _pid_alive(server_pid)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
