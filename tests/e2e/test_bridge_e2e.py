"""End to end on the 12-node / threshold-9 devnet, on the production contract profile (the
deployed wPOKT contracts' behaviour): round trips, nonce ordering, nodes killed, the database
restarted, an entry edited in the database, the token's mint fee on and off, a node's journal
lost and restored, the database restored from an older backup, a newer schema that admits or
holds this release. After every test the bridge must become quiescent and its invariants
must hold."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.e2e.helpers import (
    ENTRIES,
    NODES,
    THRESHOLD,
    entry,
    every_entry_finished,
    fresh_eth_address,
    status_of,
    wait_executed,
    wait_for,
    wait_for_passes,
    wpokt_balance,
)
from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.deploy import PRODUCTION, set_mint_fee
from wpokt_devnet.invariants import check_invariants
from wpokt_node.config import load_config
from wpokt_node.db.schema import BURNS, CONTROL, MINTS, REFUNDS, Status
from wpokt_node.db.schema import NODES as NODE_STATE
from wpokt_node.db.schema_version import SCHEMA_ID, SCHEMA_VERSION
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.node.supervisor import WORKER_NAMES

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

Document = dict[str, Any]


@pytest.fixture(autouse=True)
def invariants_hold_afterwards(
    devnet: Devnet, db: Database[Document], forged_entries: set[ObjectId]
) -> Iterator[None]:
    yield
    for node_id in devnet.node_ids:
        if not devnet.node_alive(node_id):
            devnet.start_node(node_id)
    wait_for("every entry to finish", every_entry_finished(db), 240)
    view = snapshot(devnet)
    report = check_invariants(
        db,
        wpokt_supply=view.wpokt_supply,
        vault_balance=view.vault_balance,
        forged=forged_entries,
    )
    assert report.ok, report.problems
    failed = [
        d
        for c in ENTRIES
        for d in db[c].find({"status": Status.FAILED.value})
        if d["_id"] not in forged_entries
    ]
    assert failed == [], [d.get("error") for d in failed]


def test_round_trip_mint_burn_and_refund(devnet: Devnet, db: Database[Document]) -> None:
    eth_user, pokt_user = str(devnet.state["eth_user"]), str(devnet.state["pokt_user"])
    before = snapshot(devnet)

    mint_tx = deposit(devnet, 20_000_000, eth_user)
    mint = wait_executed(db, MINTS, mint_tx)
    assert len(mint["signers"]) >= THRESHOLD
    assert snapshot(devnet).eth_user_wpokt == before.eth_user_wpokt + 20_000_000

    burn_tx = burn(devnet, 8_000_000, pokt_user).lower()
    wait_executed(db, BURNS, burn_tx)
    after_burn = snapshot(devnet)
    assert after_burn.eth_user_wpokt == before.eth_user_wpokt + 12_000_000
    # the group vault pays the whole amount: the members pay the fees
    assert after_burn.pokt_user_balance == before.pokt_user_balance - 20_000_000 + 8_000_000

    refund_tx = deposit(devnet, 2_000_000, eth_user, memo='{"address":"0x0","chain_id":"31337"}')
    refund = wait_executed(db, REFUNDS, refund_tx)
    assert refund["reason"]
    assert entry(db, MINTS, refund_tx) is None
    assert snapshot(devnet).pokt_user_balance == after_burn.pokt_user_balance


def test_many_deposits_to_one_recipient_take_consecutive_nonces(
    devnet: Devnet, db: Database[Document]
) -> None:
    recipient = fresh_eth_address()
    amounts = [1_000_000 + i for i in range(5)]
    txs = [deposit(devnet, amount, recipient) for amount in amounts]
    mints = [wait_executed(db, MINTS, tx) for tx in txs]
    assert sorted(int(m["nonce"]) for m in mints) == [1, 2, 3, 4, 5]
    token = TokenContract(EthClient(devnet.eth_url), str(devnet.state["token"]))
    assert token.get_user_nonce(recipient) == 5
    assert token.balance_of(recipient) == sum(amounts)


def test_three_nodes_killed_while_signing_still_completes(
    devnet: Devnet, db: Database[Document]
) -> None:
    recipient = fresh_eth_address()
    txs = [deposit(devnet, 3_000_000 + i, recipient) for i in range(3)]
    victims = ["node-10", "node-11", "node-12"]
    for node_id in victims:
        devnet.kill_node(node_id)
    assert not any(devnet.node_alive(n) for n in victims)
    for tx in txs:
        wait_executed(db, MINTS, tx)
    assert wpokt_balance(devnet, recipient) == sum(3_000_000 + i for i in range(3))
    for node_id in victims:
        devnet.start_node(node_id)
    devnet.wait_healthy(victims, timeout_s=180)


def test_four_nodes_down_nothing_executes_until_they_return(
    devnet: Devnet, db: Database[Document]
) -> None:
    recipient = fresh_eth_address()
    victims = ["node-01", "node-04", "node-07", "node-12"]
    for node_id in victims:
        devnet.kill_node(node_id)
    supply_before = snapshot(devnet).wpokt_supply
    tx = deposit(devnet, 4_000_000, recipient)
    wait_for("the mint to be started", lambda: status_of(db, MINTS, tx) == "started", 120)
    live = [n for n in devnet.node_ids if n not in victims]

    def every_live_node_signed_or_refused() -> bool:
        found = entry(db, MINTS, tx)
        if found is None:
            return False
        done = set(found.get("signers") or []) | set((found.get("refusals") or {}).keys())
        return set(live) <= done

    wait_for("every live node to sign or refuse the mint", every_live_node_signed_or_refused, 120)
    # After a whole further pass of each live executor, any promotion to `signed` (and so any
    # execution) that these signatures allow would have happened.
    wait_for_passes(db, "mint-executor", live)
    stuck = entry(db, MINTS, tx)
    assert stuck is not None
    assert stuck["status"] == Status.STARTED.value
    assert len(stuck["signers"]) <= NODES - len(victims)
    assert set(stuck["signers"]).isdisjoint(victims)
    assert wpokt_balance(devnet, recipient) == 0
    assert snapshot(devnet).wpokt_supply == supply_before

    for node_id in victims:
        devnet.start_node(node_id)
    wait_executed(db, MINTS, tx)
    assert wpokt_balance(devnet, recipient) == 4_000_000


def test_database_restart_mid_flight_loses_and_duplicates_nothing(
    devnet: Devnet, db: Database[Document]
) -> None:
    recipient = fresh_eth_address()
    first = deposit(devnet, 5_000_000, recipient)
    devnet.restart_service("database", down_s=3)
    second = deposit(devnet, 6_000_000, recipient)
    burn_tx = burn(devnet, 1_000_000, str(devnet.state["pokt_user"])).lower()
    for collection, tx in ((MINTS, first), (MINTS, second), (BURNS, burn_tx)):
        wait_executed(db, collection, tx, timeout_s=240)
        assert len(list(db[collection].find({"transaction_hash": tx}))) == 1
    assert wpokt_balance(devnet, recipient) == 11_000_000


def test_an_entry_edited_after_started_is_restored_and_paid_to_its_depositor(
    devnet: Devnet, db: Database[Document]
) -> None:
    recipient = fresh_eth_address()
    victims = ["node-02", "node-05", "node-08", "node-11"]
    for node_id in victims:
        devnet.kill_node(node_id)
    tx = deposit(devnet, 7_000_000, recipient)
    wait_for("the mint to be started", lambda: status_of(db, MINTS, tx) == "started", 120)
    original = entry(db, MINTS, tx)
    assert original is not None
    attacker = fresh_eth_address()
    # the payload that gets signed and the entry's recipient are forged
    forged_order = dict(original["order"], amount="70000000", recipient=attacker)
    db[MINTS].update_one(
        {"_id": original["_id"]}, {"$set": {"to_address": attacker, "order": forged_order}}
    )
    for node_id in victims:
        devnet.start_node(node_id)

    # Then the nodes restore the entry from the deposit on chain and pay the depositor's
    # recipient, once; the attacker gets nothing
    paid = wait_executed(db, MINTS, tx)
    assert (paid["to_address"], paid["amount"], paid["order"]) == (
        original["to_address"],
        original["amount"],
        original["order"],
    )
    assert paid["repaired"]
    assert wpokt_balance(devnet, recipient) == 7_000_000
    assert wpokt_balance(devnet, attacker) == 0


def test_the_production_tokens_mint_fee_on_and_off(devnet: Devnet, db: Database[Document]) -> None:
    # Given the devnet's production-profile token with its mint fee turned on (0.3 %)
    assert devnet.state["contracts"] == PRODUCTION
    admin = LocalKeySigner.from_hex(devnet.keys()["admin"])
    eth, token = EthClient(devnet.eth_url), str(devnet.state["token"])
    collector = str(devnet.state["admin"])
    collected_before = TokenContract(eth, token).balance_of(collector)
    set_mint_fee(eth, admin, token, 30, collector)
    try:
        # When a deposit, a dusty deposit and a burn are bridged
        recipient, dusty_recipient = fresh_eth_address(), fresh_eth_address()
        paid = deposit(devnet, 5_000_000, recipient)
        dusty = deposit(devnet, 1_234_567, dusty_recipient)
        pokt_user = str(devnet.state["pokt_user"])
        before = snapshot(devnet)
        burned = burn(devnet, 1_000_000, pokt_user).lower()

        # Then the deposit is minted less the fee, the burn paid in full, and the dusty
        # deposit held visibly without a nonce
        wait_executed(db, MINTS, paid)
        assert wpokt_balance(devnet, recipient) == 4_985_000
        assert TokenContract(eth, token).balance_of(collector) == collected_before + 15_000
        wait_executed(db, BURNS, burned)
        assert snapshot(devnet).pokt_user_balance == before.pokt_user_balance + 1_000_000
        wait_for("the dusty deposit to be held", _held(db, dusty, "fee_dust"), 120)
        assert (entry(db, MINTS, dusty) or {}).get("nonce") is None
    finally:
        set_mint_fee(eth, admin, token, 0, collector)

    # And with the fee off again it is minted in full
    wait_executed(db, MINTS, dusty)
    assert wpokt_balance(devnet, dusty_recipient) == 1_234_567


def _held(db: Database[Document], tx_hash: str, code: str) -> Callable[[], bool]:
    def held() -> bool:
        found = entry(db, MINTS, tx_hash) or {}
        return found.get("status") == Status.CONFIRMED.value and found.get("held") == code

    return held


def _cli(devnet: Devnet, node_id: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``wpokt-node GROUP ACTION --config <node's config> ARGS…``, as the runbooks write it."""
    argv = [sys.executable, "-m", "wpokt_node.node.cli", *args]
    argv[5:5] = ["--config", str(devnet.config_path(node_id))]
    env = devnet.node_env(node_id)
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


def _journal_cli(devnet: Devnet, node_id: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _cli(devnet, node_id, "journal", *args)


def test_a_node_whose_journal_vanished_refuses_until_it_is_imported_then_signs_again(
    devnet: Devnet, db: Database[Document], tmp_path: Path
) -> None:
    """The runbook docs/runbooks/restore-journal.md on the devnet, with exactly T nodes alive
    so that the restored node's signature is needed for every mint."""
    node, spare = "node-03", ["node-10", "node-11", "node-12"]
    journal_path = load_config(devnet.config_path(node)).journal_path
    for node_id in spare:
        devnet.kill_node(node_id)
    first = deposit(devnet, 6_000_000, fresh_eth_address())
    wait_executed(db, MINTS, first)
    assert node in (entry(db, MINTS, first) or {})["signers"]
    export = tmp_path / "journal.json"
    exported = _journal_cli(devnet, node, "export", "--out", str(export))
    assert exported.returncode == 0, exported.stderr

    devnet.kill_node(node)  # the data volume comes back empty
    for suffix in ("", "-wal", "-shm"):
        Path(f"{journal_path}{suffix}").unlink(missing_ok=True)
    devnet.start_node(node)
    wait_for(f"{node} to refuse to start", lambda: not devnet.node_alive(node), 60)
    log = Path(devnet.services()[node].log).read_text(encoding="utf-8")
    assert "refusing to start" in log
    assert "is empty, but the database shows this node's signatures" in log
    second = deposit(devnet, 7_000_000, fresh_eth_address())
    wait_for("the mint to be started", lambda: status_of(db, MINTS, second) == "started", 120)

    imported = _journal_cli(devnet, node, "import", str(export))
    assert imported.returncode == 0, imported.stderr
    devnet.start_node(node)
    wait_executed(db, MINTS, second)
    paid = entry(db, MINTS, second)
    assert paid is not None
    assert node in paid["signers"]
    for tx in (first, second):
        done = entry(db, MINTS, tx)
        assert done is not None
        assert [s["node_id"] for s in done["signatures"]].count(node) == 1
    after = _journal_cli(devnet, node, "export", "--out", str(tmp_path / "after.json"))
    assert after.returncode == 0, after.stderr
    events = [
        p["source_event"] for p in json.loads((tmp_path / "after.json").read_text())["payloads"]
    ]
    assert len(events) == len(set(events))  # one payload per event, across the restore
    before = {row["source_event"] for row in json.loads(export.read_text())["payloads"]}
    assert before < set(events)


def _restart(devnet: Devnet, node_id: str) -> str:
    """Restart a node; what it logged since."""
    devnet.kill_node(node_id)
    log = Path(devnet.services()[node_id].log)
    seen = log.stat().st_size
    devnet.start_node(node_id)
    return str(log.read_bytes()[seen:].decode("utf-8", "replace"))


def test_a_newer_schema_admits_this_release_or_holds_it_everywhere(
    devnet: Devnet, db: Database[Document]
) -> None:
    """A rolling upgrade seen from the nodes of this release: the first upgraded node's
    ``db init`` wrote a newer record. While its ``min_reader`` admits this release, a node of it
    restarts and the cluster bridges; once it does not, every running node holds (runs no pass:
    records, signs and sends nothing), a restarted one refuses with what to do, and a deposit
    made meanwhile is bridged once the record admits them again."""
    original = db[CONTROL].find_one({"_id": SCHEMA_ID})
    assert original is not None
    newer = {"version": SCHEMA_VERSION + 1, "by": "wpokt-node 99.0.0"}
    node = "node-05"
    try:
        db[CONTROL].update_one(
            {"_id": SCHEMA_ID}, {"$set": {**newer, "min_reader": SCHEMA_VERSION}}
        )
        _restart(devnet, node)
        devnet.wait_healthy([node], timeout_s=120)
        wait_executed(db, MINTS, deposit(devnet, 8_000_000, fresh_eth_address()))

        db[CONTROL].update_one({"_id": SCHEMA_ID}, {"$set": {"min_reader": SCHEMA_VERSION + 1}})
        message = f"needs nodes of schema {SCHEMA_VERSION + 1} or newer"

        def every_node_holds() -> bool:
            """Every worker of every node said so in a heartbeat, which follows its pass: a
            pass begun before the record changed has ended."""
            docs = list(db[NODE_STATE].find({}, projection={"node_id": 1, "workers": 1}))
            holds = [str(((d.get("workers") or {}).get(worker) or {}).get("hold"))
                     for d in docs if d["node_id"] in devnet.node_ids
                     for worker in WORKER_NAMES]  # fmt: skip
            return len(holds) == NODES * len(WORKER_NAMES) and all(message in h for h in holds)

        wait_for("every node to hold its signing", every_node_holds, 120)
        logged = _restart(devnet, node)
        wait_for(f"{node} to refuse to start", lambda: not devnet.node_alive(node), 60)
        logged += Path(devnet.services()[node].log).read_text(encoding="utf-8")[-4000:]
        assert message in logged
        assert "upgrade it" in logged
        held = deposit(devnet, 9_000_000, fresh_eth_address())
        live = [n for n in devnet.node_ids if n != node]
        wait_for_passes(db, "pokt-watcher", live)
        wait_for_passes(db, "mint-executor", live)
        assert entry(db, MINTS, held) is None  # held nodes run no pass: nothing recorded
    finally:
        db[CONTROL].replace_one({"_id": SCHEMA_ID}, original)
    wait_executed(db, MINTS, held)


def _copy_database(source: Database[Document], target: Database[Document]) -> None:
    """What ``mongodump`` then ``mongorestore --drop`` do to the documents."""
    for name in source.list_collection_names():
        target[name].drop()
        documents = list(source[name].find())
        if documents:
            target[name].insert_many(documents)


def test_a_database_restored_from_an_older_backup_pays_nothing_twice(
    devnet: Devnet, db: Database[Document]
) -> None:
    """docs/runbooks/restore-mongodb.md on the devnet: a backup is taken, a deposit and a burn
    are paid after it, the database is restored from the backup; the nodes record both again
    from the chains, recognise them as paid on chain and pay neither a second time."""
    eth_user, pokt_user = str(devnet.state["eth_user"]), str(devnet.state["pokt_user"])
    wait_executed(db, MINTS, deposit(devnet, 5_000_000, eth_user))  # wPOKT for the burn
    wait_for("every entry to finish", every_entry_finished(db), 240)
    backup = db.client[f"{db.name}-backup"]
    _copy_database(db, backup)
    before = snapshot(devnet)
    recipient = fresh_eth_address()
    mint_tx = deposit(devnet, 2_000_000, recipient)
    burn_tx = burn(devnet, 1_000_000, pokt_user).lower()
    paid = {
        tx: wait_executed(db, collection, tx)["execution_tx_hash"]
        for collection, tx in ((MINTS, mint_tx), (BURNS, burn_tx))
    }

    operator = devnet.node_ids[0]
    assert _cli(devnet, operator, "admin", "pause").returncode == 0  # 1. pause and stop
    for node_id in devnet.node_ids:
        devnet.stop_node(node_id)
    _copy_database(backup, db)  # 2. restore
    assert entry(db, MINTS, mint_tx) is None
    for step in (("db", "init"), ("admin", "pause")):  # 3. schema; 5. the backup was not paused
        done = _cli(devnet, operator, *step)
        assert done.returncode == 0, done.stderr
    for node_id in devnet.node_ids:
        devnet.start_node(node_id)
    devnet.wait_healthy(timeout_s=180)
    resumed = _cli(devnet, operator, "admin", "resume")  # 6. resume
    assert resumed.returncode == 0, resumed.stderr

    for collection, tx in ((MINTS, mint_tx), (BURNS, burn_tx)):
        again = wait_executed(db, collection, tx)
        assert again["execution_tx_hash"] == paid[tx]  # recognised on chain, not paid again
    after = snapshot(devnet)
    assert wpokt_balance(devnet, recipient) == 2_000_000
    assert after.pokt_user_balance == before.pokt_user_balance - 2_000_000 + 1_000_000
    db.client.drop_database(backup.name)
