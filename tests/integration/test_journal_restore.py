"""A node never signs from a journal that silently went empty: given the shared database shows
its signatures, an empty journal refuses to start; when the operator imports the last export,
the node starts and still refuses a second payload for an event it signed; an export older
than what the database shows, another node's, or one into a journal that is not empty is
refused."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import yaml
from eth_utils.crypto import keccak
from pymongo.database import Database

from tests.integration.test_control_and_readonly import write_config
from wpokt_node.config import load_config
from wpokt_node.db.schema import BURNS, MINTS
from wpokt_node.errors import StartupCheckError
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of
from wpokt_node.logs import configure_logging
from wpokt_node.node.cli import main
from wpokt_node.node.context import NodeContext, OwnKeys
from wpokt_node.node.startup import check_journal
from wpokt_node.payout.journal import Decision, SigningJournal

pytestmark = pytest.mark.security

Document = dict[str, Any]
ETH_KEY = keccak(text="wpokt-mint-cluster-validator-0")  # node-0 of write_config's cluster
POKT_KEY = hashlib.sha256(b"wpokt-node pokt test user 100").digest()
DEPOSIT = "AB" * 32
BURN = "0x" + "cd" * 32


@pytest.fixture
def node(
    tmp_path: Path, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Database[Document]]:
    path = write_config(tmp_path, mongo_db)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, key in (("eth_signer", ETH_KEY), ("pokt_signer", POKT_KEY), ("eth_gas", ETH_KEY)):
        config["keys"][name]["env_var"] = f"WPOKT_TEST_KEY_{name.upper()}"
        monkeypatch.setenv(f"WPOKT_TEST_KEY_{name.upper()}", key.hex())
    config.update(journal_path=str(tmp_path / "journal.sqlite3"), network="devnet")
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    me = eth_address_of(LocalKeySigner(ETH_KEY).public_key)
    signature = {"node_id": "node-0", "signer": me, "signature": "0x00"}
    mongo_db[MINTS].insert_one({"transaction_hash": DEPOSIT, "signatures": [signature]})
    mongo_db[BURNS].insert_one(
        {"transaction_hash": BURN, "burn_index": 0, "signatures": [{**signature, "signer": "x"}]}
    )
    return path, mongo_db


def _startup_check(path: Path, db: Database[Document]) -> None:
    settings = load_config(path)
    with SigningJournal(settings.journal_path, node_id=settings.node_id) as journal:
        context = SimpleNamespace(
            settings=settings,
            db=db,
            journal=journal,
            public_keys=OwnKeys(
                LocalKeySigner(ETH_KEY).public_key,
                LocalKeySigner(POKT_KEY).public_key,
                LocalKeySigner(ETH_KEY).public_key,
            ),
        )
        check_journal(cast(NodeContext, context))


def test_an_empty_journal_is_refused_until_the_last_export_is_imported(
    node: tuple[Path, Database[Document]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, db = node
    journal_path = load_config(path).journal_path
    with SigningJournal(journal_path, node_id="node-0") as journal:
        journal.authorize(f"pokt:{DEPOSIT}", "payload-1", "mint", {"nonce": 1})
    _startup_check(path, db)  # the journal knows what the database shows
    old_export, export = tmp_path / "old.json", tmp_path / "journal.json"
    with SigningJournal(tmp_path / "older.sqlite3", node_id="node-0") as older:
        old_export.write_text(json.dumps(older.export_document()), encoding="utf-8")
    assert main(["journal", "export", "--config", str(path), "--out", str(export)]) == 0
    assert os.stat(export).st_mode & 0o077 == 0

    # the volume came back empty
    for suffix in ("", "-wal", "-shm"):
        Path(f"{journal_path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(
        StartupCheckError,
        match=f"is empty, but the database shows this node.s signatures for pokt:{DEPOSIT}",
    ):
        _startup_check(path, db)

    capsys.readouterr()
    assert main(["journal", "import", "--config", str(path), str(old_export)]) == 1
    assert f"older than what the database shows this node signed; it lacks pokt:{DEPOSIT}" in (
        capsys.readouterr().err
    )
    assert main(["journal", "import", "--config", str(path), str(export)]) == 0
    _startup_check(path, db)
    with SigningJournal(journal_path, node_id="node-0") as journal:
        verdict = journal.authorize(f"pokt:{DEPOSIT}", "payload-2", "mint", {"nonce": 2})
        assert verdict.decision is Decision.REFUSED  # no second payload for the same event
    assert main(["journal", "import", "--config", str(path), str(export)]) == 1
    assert "already holds 1 payloads" in capsys.readouterr().err


def test_another_nodes_export_is_refused(
    node: tuple[Path, Database[Document]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _db = node
    with SigningJournal(tmp_path / "other.sqlite3", node_id="node-1") as other:
        other.authorize(f"pokt:{DEPOSIT}", "payload-1", "mint", {"nonce": 1})
        document = other.export_document()
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps(document), encoding="utf-8")
    assert main(["journal", "import", "--config", str(path), str(foreign)]) == 1
    assert "node 'node-1''s, not 'node-0'" in capsys.readouterr().err


def test_a_journal_that_only_lacks_events_signs_nothing_more_for_them(
    node: tuple[Path, Database[Document]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Forged records in this node's name must not keep a node with a journal from starting;
    an older copy put back by hand starts, with an alert, and signs nothing more for the
    events it forgot (``journal import`` refuses such a copy)."""
    path, db = node
    journal_path = load_config(path).journal_path
    with SigningJournal(journal_path, node_id="node-0") as journal:
        journal.authorize("pokt:" + "EF" * 32, "payload-0", "an earlier mint", {"nonce": 0})
    configure_logging("info")
    _startup_check(path, db)
    assert "the signing journal lacked events" in capsys.readouterr().err
    with SigningJournal(journal_path, node_id="node-0") as journal:
        verdict = journal.authorize(f"pokt:{DEPOSIT}", "payload-1", "mint", {"nonce": 1})
        assert verdict.decision is Decision.REFUSED
