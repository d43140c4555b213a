"""``wpokt-node admin reobserve`` and ``admin retry``: a deposit the watchers skipped is recorded
from one node's RPC and then minted once by the cluster; an entry failed as absent is moved back
into the flow once the chain shows its source, and minted once; what is not a deposit of this
cluster, a final failure or an edited entry is refused with nothing changed; every run is
audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from bson import ObjectId

from tests.fixtures.anvil import CHAIN_ID
from tests.fixtures.mint_cluster import (
    USER_ETH_KEY,
    MintCluster,
    MintClusterFactory,
    recipient_address,
)
from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.nodes import set_cursor
from wpokt_node.db.operator_log import recent_actions
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, SOURCE_GONE, Status
from wpokt_node.db.transitions import transition
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.mint.rescan import DepositRescan
from wpokt_node.mint.watcher import CURSOR
from wpokt_node.node.cli import main

pytestmark = pytest.mark.node

NO_RESCAN = {"pocket": {"rescan_blocks": 0}}


def config_file(cluster: MintCluster, tmp_path: Path) -> Path:
    """Node 0's settings as the YAML file an operator passes to the CLI."""
    settings = cluster.nodes[0].context.settings
    data: dict[str, Any] = settings.model_dump(mode="json", exclude_none=True)
    data["mongodb"]["uri"] = settings.mongodb.uri.get_secret_value()
    path = tmp_path / "node-0.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def skipped_deposit(cluster: MintCluster, amount: int, recipient: str, memo: str | None = None
                    ) -> str:  # fmt: skip
    """A deposit every watcher's cursor has already passed (their scans missed it)."""
    tx_hash = cluster.deposit(amount, recipient, memo=memo)
    head = cluster.sim.state.height
    for node in cluster.nodes:
        set_cursor(cluster.db, node.node_id, CURSOR, head)
    for index in range(len(cluster.nodes)):
        cluster.watch(index)
    return tx_hash


def reobserve(config: Path, *args: str) -> int:
    return main(["admin", "reobserve", "--config", str(config), *args])


def test_a_skipped_deposit_is_recorded_then_minted_once(
    mint_cluster_factory: MintClusterFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deposit that no watcher recorded (cursors past it, no re-scan)
    cluster = mint_cluster_factory(overrides=[NO_RESCAN] * 3)
    recipient = recipient_address(50)
    tx_hash = skipped_deposit(cluster, 6_000_000, recipient)
    assert cluster.db[MINTS].count_documents({}) == 0
    config = config_file(cluster, tmp_path)
    # When an operator runs a dry run: it says what it would record, and records nothing
    assert reobserve(config, "--pokt-tx", tx_hash, "--dry-run") == 0
    assert "would be recorded in mints (dry run)" in capsys.readouterr().out
    assert cluster.db[MINTS].count_documents({}) == 0
    # When they run it for real: the entry is recorded detected, from the chain's own data
    assert reobserve(config, "--pokt-tx", tx_hash) == 0
    assert "recorded in mints as" in capsys.readouterr().out
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["amount"], entry["to_address"]) == (
        "detected",
        "6000000",
        recipient,
    )
    # Then the cluster mints it once, and a second reobserve changes nothing
    cluster.execute(0, 1, passes=3)
    assert cluster.mint(tx_hash)["status"] == "executed"
    assert cluster.token.balance_of(recipient) == 6_000_000
    assert reobserve(config, "--pokt-tx", tx_hash) == 0
    assert "already recorded in mints" in capsys.readouterr().out
    assert cluster.db[MINTS].count_documents({}) == 1
    # And every run is in the audit record, the dry run marked
    actions = [(a["action"], bool(a["dry_run"])) for a in reversed(recent_actions(cluster.db))]
    assert actions == [("reobserve", True), ("reobserve", False), ("reobserve", False)]


def test_a_skipped_bad_memo_deposit_is_recorded_as_a_refund(
    mint_cluster_factory: MintClusterFactory, tmp_path: Path
) -> None:
    cluster = mint_cluster_factory(overrides=[NO_RESCAN] * 3)
    tx_hash = skipped_deposit(cluster, 2_000_000, recipient_address(51), memo="not json")
    assert reobserve(config_file(cluster, tmp_path), "--pokt-tx", tx_hash) == 0
    refund = cluster.db[REFUNDS].find_one({"transaction_hash": tx_hash})
    assert refund is not None
    assert refund["status"] == "detected"
    assert cluster.db[MINTS].count_documents({}) == 0


def test_what_is_not_a_deposit_or_a_burn_is_refused_and_nothing_changes(
    mint_cluster: MintCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(mint_cluster, tmp_path)
    # An unknown Pocket hash
    assert reobserve(config, "--pokt-tx", "AB" * 32) == 1
    assert "this node's RPC does not know it" in capsys.readouterr().err
    # A Pocket transfer between two users, not into the vault
    wallet = mint_cluster.wallets[0]
    other = mint_cluster.wallets[1].address
    transfer = wallet.send(other, 1_000_000, memo="")
    assert reobserve(config, "--pokt-tx", transfer) == 1
    assert "is not a deposit into the vault" in capsys.readouterr().err
    # An Ethereum tx that burned nothing (a plain transfer), and a bad hash
    user = LocalKeySigner.from_hex(USER_ETH_KEY)
    sender = TransactionSender(mint_cluster.eth, user, CHAIN_ID)
    plain = sender.send(sender.address, b"", 21_000, "plain transfer").transaction_hash
    assert reobserve(config, "--eth-tx", plain) == 1
    assert "holds no BurnAndBridge of the token" in capsys.readouterr().err
    assert reobserve(config, "--eth-tx", "0x" + "12" * 32) == 1
    assert "has no receipt for it" in capsys.readouterr().err
    # --log-index belongs to --eth-tx
    assert reobserve(config, "--pokt-tx", transfer, "--log-index", "1") == 2
    for name in (MINTS, BURNS, REFUNDS):
        assert mint_cluster.db[name].count_documents({}) == 0
    outcomes = [a["outcome"] for a in recent_actions(mint_cluster.db)]
    assert len(outcomes) == 4
    assert all(o.startswith("refused: ") for o in outcomes)


def failed_as_absent(cluster: MintCluster, tx_hash: str) -> str:
    """The recorded entry of ``tx_hash``, failed as absent as a node whose RPC lost it does."""
    entry = cluster.mint(tx_hash)
    moved = transition(cluster.db, MINTS, entry["_id"], expected=Status.DETECTED,
                       to=Status.FAILED, node_id="node-9", reason="source gone",
                       set_fields={"error": SOURCE_GONE + "not found for 20 blocks"})  # fmt: skip
    assert moved is not None
    return str(entry["_id"])


def retry(config: Path, entry_id: str, *args: str, collection: str = MINTS) -> int:
    return main(["admin", "retry", "--config", str(config), "--collection", collection,
                 "--id", entry_id, *args])  # fmt: skip


def test_an_entry_failed_as_absent_is_retried_and_minted_once(
    mint_cluster_factory: MintClusterFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deposit whose entry failed as absent, beyond any re-scan
    cluster = mint_cluster_factory(overrides=[NO_RESCAN] * 3)
    recipient = recipient_address(52)
    tx_hash = cluster.deposit(4_000_000, recipient)
    cluster.watch(0)
    entry_id = failed_as_absent(cluster, tx_hash)
    config = config_file(cluster, tmp_path)
    cluster.execute(0, 1, passes=2)
    assert cluster.mint(tx_hash)["status"] == "failed"
    # When an operator checks, then retries it
    assert retry(config, entry_id, "--dry-run") == 0
    assert "would move failed -> detected (dry run)" in capsys.readouterr().out
    assert cluster.mint(tx_hash)["status"] == "failed"
    assert retry(config, entry_id) == 0
    assert "failed -> detected" in capsys.readouterr().out
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["error"]) == ("detected", None)
    assert entry["transitions"][-1]["reason"].startswith("revived: operator retry by ")
    # Then the cluster mints it, once
    cluster.execute(0, 1, passes=3)
    assert cluster.mint(tx_hash)["status"] == "executed"
    assert cluster.token.balance_of(recipient) == 4_000_000
    assert retry(config, entry_id) == 1
    assert "is executed: only a failed entry is retried" in capsys.readouterr().err


def test_retry_refuses_final_failures_and_edited_entries(
    mint_cluster_factory: MintClusterFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = mint_cluster_factory(overrides=[NO_RESCAN] * 3)
    config = config_file(cluster, tmp_path)
    # A failure the chain cannot overturn
    unpayable = cluster.deposit(3_000_000, recipient_address(53))
    cluster.watch(0)
    entry = cluster.mint(unpayable)
    transition(cluster.db, MINTS, entry["_id"], expected=Status.DETECTED, to=Status.FAILED,
               node_id="node-9", reason="unpayable",
               set_fields={"error": "amount_not_above_fee"})  # fmt: skip
    assert retry(config, str(entry["_id"])) == 1
    assert "failed for a reason the chain cannot overturn" in capsys.readouterr().err
    # An entry whose amount a database writer raised before it failed as absent
    edited = cluster.deposit(2_000_000, recipient_address(54))
    cluster.watch(0)
    edited_id = failed_as_absent(cluster, edited)
    cluster.db[MINTS].update_one({"_id": ObjectId(edited_id)}, {"$set": {"amount": "9000000"}})
    assert retry(config, edited_id) == 1
    assert "the entry was edited in the database; it stays failed" in capsys.readouterr().err
    # No such entry, and not an id
    assert retry(config, "0" * 24) == 1
    assert "no mints entry" in capsys.readouterr().err
    assert retry(config, "not-an-id") == 1
    assert "is not an entry id" in capsys.readouterr().err
    statuses = {d["status"] for d in cluster.db[MINTS].find({})}
    assert statuses == {"failed"}
    actions = recent_actions(cluster.db)
    assert [a["action"] for a in actions] == ["retry"] * 4
    assert all(a["outcome"].startswith("refused: ") for a in actions)


def test_a_rescan_reads_its_window_at_once_and_repairs_what_a_database_writer_broke(
    mint_cluster_factory: MintClusterFactory,
) -> None:
    # Given four deposits recorded by node 0's watcher
    cluster = mint_cluster_factory()
    hashes = [cluster.deposit(1_000_000 * (i + 1), recipient_address(60 + i)) for i in range(4)]
    cluster.watch(0)
    gone, garbled, failed, intact = hashes
    ids = {h: cluster.mint(h)["_id"] for h in hashes}
    # When a database writer deletes one, garbles one, fails one as absent
    cluster.db[MINTS].delete_one({"_id": ids[gone]})
    cluster.db[MINTS].update_one({"_id": ids[garbled]}, {"$set": {"status": "bogus"}})
    as_absent = {"status": "failed", "error": SOURCE_GONE + "x"}
    cluster.db[MINTS].update_one({"_id": ids[failed]}, {"$set": as_absent})
    # and node 0 re-scans the window behind its cursor
    node = cluster.nodes[0]
    scan = node.watcher.scans[0]
    rescan = DepositRescan(node.context.settings, cluster.db, node.context.pokt, scan.rules)
    before = COMMANDS.count
    counts = rescan.run(cluster.sim.state.height)
    commands = COMMANDS.count - before

    # Then the deleted one is recorded again and the other two are back in the flow, from the
    # chain's fields; the intact one is untouched
    assert counts == {"rescanned": 4, "rerecorded": 1, "revived": 2, "offered": 0}
    assert cluster.mint(gone)["status"] == "detected"
    for tx_hash in (garbled, failed):
        assert cluster.db[MINTS].find_one({"_id": ids[tx_hash]})["status"] == "detected"
    assert cluster.mint(intact)["status"] == "detected"
    assert cluster.db[MINTS].count_documents({}) == 4
    # and the intact deposit cost no command of its own: one read for the window, then only
    # the repairs (an insert; per revival a reset, a read, a transition and its audit copy)
    assert commands <= 1 + 2 + 2 * 6
    quiet_before = COMMANDS.count
    assert rescan.run(cluster.sim.state.height)["rerecorded"] == 0
    assert COMMANDS.count - quiet_before == 1
