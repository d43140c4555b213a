"""Signing journal: at most one live payload per source event, ever, across restarts."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from wpokt_node.errors import SigningError
from wpokt_node.payout.journal import Decision, SigningJournal


def test_first_signature_then_same_payload_then_refusal(tmp_path: Path) -> None:
    with SigningJournal(tmp_path / "j.sqlite3", node_id="node-1") as journal:
        first = journal.authorize("mint:ABC", "h1", "MintData nonce 1")
        again = journal.authorize("mint:ABC", "h1", "MintData nonce 1")
        other = journal.authorize("mint:ABC", "h2", "MintData nonce 2")
    assert (first.decision, first.may_sign) == (Decision.FIRST_SIGNATURE, True)
    assert (again.decision, again.may_sign) == (Decision.SAME_PAYLOAD, True)
    assert (other.decision, other.may_sign) == (Decision.REFUSED, False)
    assert other.live_payload_hash == "h1"


def test_the_journal_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with SigningJournal(path, node_id="node-1") as journal:
        journal.authorize("burn:0xabc:3", "h1", "release seq 7")
    with SigningJournal(path, node_id="node-1") as journal:
        assert not journal.authorize("burn:0xabc:3", "h2", "release seq 8").may_sign
        assert journal.live_payload("burn:0xabc:3") == "h1"


def test_a_retired_payload_allows_exactly_one_new_payload(tmp_path: Path) -> None:
    with SigningJournal(tmp_path / "j.sqlite3", node_id="node-1") as journal:
        journal.authorize("burn:0xabc:3", "h1", "release seq 7")
        assert journal.retire("burn:0xabc:3", "h1", "vault sequence moved past 7")
        assert not journal.retire("burn:0xabc:3", "h1", "twice")
        assert journal.authorize("burn:0xabc:3", "h2", "release seq 9").may_sign
        assert not journal.authorize("burn:0xabc:3", "h3", "release seq 10").may_sign
        # a dead payload is never signed again
        assert not journal.authorize("burn:0xabc:3", "h1", "release seq 7").may_sign


def test_the_journal_keeps_the_signed_order(tmp_path: Path) -> None:
    order = {"nonce": 7, "amount": "10", "recipient": "0xabc"}
    with SigningJournal(tmp_path / "j.sqlite3", node_id="node-1") as journal:
        journal.authorize("mint:A", "h1", "", order)
        assert journal.live_order("mint:A") == order
        journal.retire("mint:A", "h1", "nonce used by another mint")
        assert journal.live_order("mint:A") is None


def test_a_journal_from_before_kept_orders_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE signed_payloads (source_event TEXT NOT NULL, payload_hash TEXT NOT NULL,"
        " description TEXT NOT NULL, signed_at TEXT NOT NULL, retired_at TEXT,"
        " retired_reason TEXT, PRIMARY KEY (source_event, payload_hash));"
        "INSERT INTO signed_payloads VALUES ('mint:A', 'h1', '', '2026-01-01', NULL, NULL);"
    )
    old.close()
    with SigningJournal(path, node_id="node-1") as journal:
        assert journal.live_payload("mint:A") == "h1"
        assert journal.live_order("mint:A") is None
        assert not journal.authorize("mint:A", "h2", "", {"nonce": 2}).may_sign


def test_events_are_independent(tmp_path: Path) -> None:
    with SigningJournal(tmp_path / "j.sqlite3", node_id="node-1") as journal:
        assert journal.authorize("mint:A", "h1", "").may_sign
        assert journal.authorize("mint:B", "h2", "").may_sign


def test_another_nodes_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    SigningJournal(path, node_id="node-1").close()
    with pytest.raises(SigningError, match="belongs to node 'node-1'"):
        SigningJournal(path, node_id="node-2")


def _race(path: str, payload: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    journal = SigningJournal(path, node_id="node-1")
    barrier.wait()
    verdict = journal.authorize("mint:RACE", payload, "")
    journal.close()
    raise SystemExit(0 if verdict.may_sign else 1)


def test_concurrent_processes_get_one_live_payload(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    SigningJournal(path, node_id="node-1").close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_race, args=(path, f"h{i}", barrier)) for i in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    winners = [p for p in procs if p.exitcode == 0]
    assert len(winners) == 1
    with SigningJournal(path, node_id="node-1") as journal:
        live = journal.live_payload("mint:RACE")
    assert live is not None


def test_a_payload_belongs_to_one_source_event_for_ever(tmp_path: Path) -> None:
    # Given MintData signed for deposit A (two deposits of one amount to one recipient would
    # share it at one nonce)
    journal = SigningJournal(tmp_path / "j.sqlite3", node_id="node-1")
    assert journal.authorize("pokt:A", "p1", "mints:a").may_sign
    assert journal.event_of("p1") == "pokt:A"
    assert journal.event_of("p2") is None

    # Then the same payload is refused for deposit B, naming A, and B may sign its own
    verdict = journal.authorize("pokt:B", "p1", "mints:b")
    assert (verdict.decision, verdict.other_event) == (Decision.REFUSED, "pokt:A")
    assert journal.authorize("pokt:B", "p2", "mints:b").may_sign

    # And once A's payload is retired (proven dead) it still belongs to A
    assert journal.retire("pokt:A", "p1", "dead")
    assert journal.authorize("pokt:C", "p1", "mints:c").other_event == "pokt:A"
    assert journal.event_of("p1") == "pokt:A"


def test_an_export_with_a_malformed_row_is_refused_whole(tmp_path: Path) -> None:
    with SigningJournal(tmp_path / "a.sqlite3", node_id="node-1") as source:
        source.authorize("pokt:A", "h1", "", {"nonce": 1})
        source.authorize("pokt:B", "h2", "", {"nonce": 2})
        good = source.export_document()
    bad_rows: list[dict[str, object]] = [
        {"retired_at": False},  # would read as retired: a second payload allowed
        {"payload_order": "{not json"},
        {"payload_hash": ""},
    ]
    for change in bad_rows:
        rows: list[dict[str, object]] = good["payloads"]
        document = {**good, "payloads": [rows[0], {**rows[1], **change}]}
        with SigningJournal(tmp_path / "b.sqlite3", node_id="node-1") as target:
            with pytest.raises(SigningError):
                target.import_document(document)
            assert target.payload_count() == 0
    with SigningJournal(tmp_path / "b.sqlite3", node_id="node-1") as target:
        assert target.import_document(good) == 2
        assert target.live_order("pokt:B") == {"nonce": 2}
