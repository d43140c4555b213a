"""Caps and pause on a small cluster (3 nodes, threshold 2, in one process): the cluster pause
holds deposits and stops signing and sending, a node paused by its config neither signs nor
sends, a deposit over the cap is refunded, the rolling 24 h cap holds mints in ``confirmed``
(and signers refuse a mint started past it), and no mint is submitted above the on-chain limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.anvil import CHAIN_ID, FAST_RETRY
from tests.fixtures.mint_cluster import MintCluster, MintClusterFactory, recipient_address
from wpokt_devnet.anvil import DEV_KEYS
from wpokt_node.burn.executor import release_executor
from wpokt_node.config import redacted_dump
from wpokt_node.db import leases
from wpokt_node.db.control import set_bridge_pause
from wpokt_node.db.nodes import get_cursor
from wpokt_node.db.schema import MINTS, REFUNDS
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.mint.daily_cap import WINDOW_MS
from wpokt_node.mint.watcher import CURSOR
from wpokt_node.node.cli import main
from wpokt_node.node.status import cluster_status
from wpokt_node.node.worker import LoopState
from wpokt_node.node.worker_main import make_heartbeat

pytestmark = [pytest.mark.security, pytest.mark.node]

Document = dict[str, Any]
CAP = 10_000_000
FEE = 20_000


def caps(**values: Any) -> dict[str, Any]:
    return {"caps": values}


def hold_lease(cluster: MintCluster) -> None:
    """Keep the mint-executor lease elsewhere so no node of the cluster submits."""
    assert leases.acquire(cluster.db, "mint-executor", "elsewhere", 600)


def release_lease(cluster: MintCluster) -> None:
    leases.release(cluster.db, "mint-executor", "elsewhere")


def wpokt_balance(cluster: MintCluster, recipient: str) -> int:
    return cluster.token.balance_of(recipient)


def write_config(cluster: MintCluster, node: int, tmp_path: Path) -> Path:
    settings = cluster.nodes[node].context.settings
    data = redacted_dump(settings)
    client: Any = cluster.db.client
    host, port = client.address
    data["mongodb"]["uri"] = f"mongodb://{host}:{port}"
    path = tmp_path / f"node-{node}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_cluster_pause_holds_deposits_and_stops_signing_and_sending(
    mint_cluster: MintCluster,
) -> None:
    cluster = mint_cluster
    ready, half = recipient_address(1), recipient_address(2)
    # Given a mint already signed (not yet submitted) and one signed by node 0 only
    ready_tx = cluster.deposit(3_000_000, ready)
    cluster.watch(0)
    hold_lease(cluster)
    cluster.execute(0, 1)
    half_tx = cluster.deposit(4_000_000, half, user=1)
    cluster.watch(0)
    cluster.execute(0)
    assert cluster.mint(ready_tx)["status"] == "signed"
    assert cluster.mint(half_tx)["signers"] == ["node-0"]

    # When an operator pauses the bridge and the lease is free again
    set_bridge_pause(cluster.db, paused=True, by="test", reason="incident drill")
    release_lease(cluster)
    cursor = get_cursor(cluster.db, "node-1", CURSOR)
    held_tx = cluster.deposit(5_000_000, ready, user=2)
    for node in range(3):
        cluster.watch(node)
    cluster.execute(0, 1, 2, passes=2)

    # Then nothing is signed, nothing is sent, and the new deposit is not recorded yet
    assert cluster.mint(half_tx)["signers"] == ["node-0"]
    signed = cluster.mint(ready_tx)
    assert (signed["status"], signed["execution_tx_hash"]) == ("signed", None)
    assert cluster.db[MINTS].find_one({"transaction_hash": held_tx}) is None
    assert cluster.db[REFUNDS].find_one({"transaction_hash": held_tx}) is None
    # (node 1's cursor stops below the first deposit it would record, even one known already)
    assert cursor is None
    assert get_cursor(cluster.db, "node-1", CURSOR) == cluster.mint(ready_tx)["height"] - 1
    assert wpokt_balance(cluster, ready) == 0
    status = cluster_status(cluster.db, stuck_after_s=3600)
    assert status.bridge_pause.paused
    assert status.bridge_pause.describe() == "PAUSED by test: incident drill"

    # When it resumes, then all three deposits are minted (the held one with normal rules)
    set_bridge_pause(cluster.db, paused=False, by="test")
    cluster.watch(1)
    cluster.execute(0, 1, 2, passes=3)
    for tx in (ready_tx, half_tx, held_tx):
        assert cluster.mint(tx)["status"] == "executed"
    assert wpokt_balance(cluster, ready) == 8_000_000
    assert wpokt_balance(cluster, half) == 4_000_000


def test_a_node_paused_by_its_config_signs_and_sends_nothing(
    mint_cluster_factory: MintClusterFactory,
) -> None:
    cluster: MintCluster = mint_cluster_factory(overrides=[caps(paused=True)])
    recipient = recipient_address(3)
    tx_hash = cluster.deposit(2_000_000, recipient)
    cluster.watch(0)  # a paused node still watches

    # When the paused node runs first: it records and allocates, but does not sign
    hold_lease(cluster)
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["signers"]) == ("started", [])

    # When the two others sign, then the paused node, holding the executor lease from before
    # its pause, runs: it submits nothing and gives the lease up (a paused executor would
    # stall every mint of the cluster)
    cluster.execute(1, 2)
    release_lease(cluster)
    assert leases.acquire(cluster.db, "mint-executor", "node-0", 600)
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["execution_tx_hash"]) == ("signed", None)
    assert sorted(entry["signers"]) == ["node-1", "node-2"]
    assert leases.holder_of(cluster.db, "mint-executor") is None
    cluster.execute(0)
    assert leases.holder_of(cluster.db, "mint-executor") is None  # nor takes it again

    # And an unpaused node takes it and sends; status names the paused node
    cluster.execute(1, passes=2)
    assert cluster.mint(tx_hash)["status"] == "executed"
    make_heartbeat(cluster.nodes[0].context, "mint-executor")(LoopState())
    make_heartbeat(cluster.nodes[1].context, "mint-executor")(LoopState())
    assert cluster_status(cluster.db, stuck_after_s=3600).paused_nodes == ["node-0"]


def test_a_deposit_over_the_cap_is_refunded(mint_cluster_factory: MintClusterFactory) -> None:
    limit = caps(max_deposit_upokt=5_000_000)
    cluster: MintCluster = mint_cluster_factory(overrides=[limit, limit, limit])
    over = cluster.deposit(5_000_001, recipient_address(4))
    at_cap = cluster.deposit(5_000_000, recipient_address(4), user=1)
    cluster.watch(0)

    refund = cluster.db[REFUNDS].find_one({"transaction_hash": over})
    assert refund is not None
    assert refund["reason"] == "amount_over_cap"
    assert cluster.db[MINTS].find_one({"transaction_hash": over}) is None
    assert cluster.mint(at_cap)["status"] == "detected"

    # The refund is paid back (minus the fee) by the nodes' release executors
    executors = [
        release_executor(
            settings=node.context.settings,
            db=cluster.db,
            pokt=node.context.pokt,
            eth=node.context.eth,
            pokt_signer=node.context.signer("pokt_signer"),
            journal=node.context.journal,
            paused=node.context.paused,
        )
        for node in cluster.nodes
    ]
    sender = pokt_address_of(cluster.wallets[0].signer.public_key)
    before = cluster.nodes[0].context.pokt.balance(sender)
    for _ in range(3):
        for executor in executors:
            executor.run_once()
    refund = cluster.db[REFUNDS].find_one({"transaction_hash": over})
    assert refund is not None
    assert refund["status"] == "executed"
    assert cluster.nodes[0].context.pokt.balance(sender) == before + 5_000_001 - FEE


def test_daily_cap_holds_a_mint_in_confirmed_until_the_window_allows(
    mint_cluster_factory: MintClusterFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capped = caps(daily_mint_cap_upokt=CAP)
    cluster: MintCluster = mint_cluster_factory(overrides=[capped, capped, capped])
    first, second = recipient_address(5), recipient_address(6)
    first_tx = cluster.deposit(6_000_000, first)
    second_tx = cluster.deposit(5_000_000, second, user=1)
    cluster.watch(0)

    # When the nodes run: the first mint fits and is minted, the second would exceed the cap
    cluster.execute(0, 1, passes=3)
    assert cluster.mint(first_tx)["status"] == "executed"
    held = cluster.mint(second_tx)
    assert (held["status"], held["held"], held["nonce"]) == ("confirmed", "daily_mint_cap", None)
    status = cluster_status(cluster.db, stuck_after_s=3600)
    assert status.minted_24h == 6_000_000
    assert [(h["id"], h["held"]) for h in status.held] == [(str(held["_id"]), "daily_mint_cap")]
    # the in-process nodes beat no heartbeat: status reports the cluster degraded (exit 1)
    assert main(["status", "--config", str(write_config(cluster, 0, tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "DEGRADED only 0 healthy signing nodes, below the threshold" in out
    assert f"minted in the last 24 h: 6000000 of daily cap {CAP}" in out
    assert f"mints/{held['_id']} confirmed amount 5000000 held by daily cap" in out

    # When the first mint leaves the 24 h window, then the second is started and minted
    started_at = cluster.mint(first_tx)["started_at_ms"]
    cluster.db[MINTS].update_one(
        {"transaction_hash": first_tx}, {"$set": {"started_at_ms": started_at - WINDOW_MS - 1}}
    )
    cluster.execute(0, 1, passes=3)
    done = cluster.mint(second_tx)
    assert (done["status"], done["held"]) == ("executed", None)
    assert wpokt_balance(cluster, second) == 5_000_000


def test_signers_refuse_a_mint_started_past_the_daily_cap(
    mint_cluster_factory: MintClusterFactory,
) -> None:
    # Given node 0 without the cap (a bug or a bad config) starting two mints over it
    capped = caps(daily_mint_cap_upokt=CAP)
    cluster: MintCluster = mint_cluster_factory(overrides=[None, capped, capped])
    first_tx = cluster.deposit(6_000_000, recipient_address(7))
    second_tx = cluster.deposit(5_000_000, recipient_address(8), user=1)
    cluster.watch(0)
    hold_lease(cluster)
    cluster.execute(0)
    assert cluster.mint(second_tx)["status"] == "started"

    # When the capped nodes run, then they sign the first but not the one past the cap
    cluster.execute(1, 2)
    assert cluster.mint(first_tx)["status"] == "signed"
    refused = cluster.mint(second_tx)
    assert (refused["status"], refused["signers"], refused["held"]) == (
        "started",
        ["node-0"],
        "daily_mint_cap",
    )


def _set_mint_cooldown(cluster: MintCluster, maximum: int, per_second: int) -> None:
    eth = EthClient(cluster.anvil.url, retry=FAST_RETRY)
    admin = TransactionSender(eth, LocalKeySigner.from_hex(DEV_KEYS[0]), CHAIN_ID)
    controller = ControllerContract(eth, cluster.deployment.controller)
    signed = admin.sign(
        controller.address, controller.encode("setMintCooldown", maximum, per_second), 200_000
    )
    admin.broadcast(signed)
    admin.check_receipt(admin.wait_for_receipt(signed.tx_hash), "setMintCooldown")


def test_no_mint_is_submitted_above_the_on_chain_mint_limit(mint_cluster: MintCluster) -> None:
    cluster = mint_cluster
    # Given the MintController's limit lowered to 4 wPOKT, 3 of them used by a first mint
    _set_mint_cooldown(cluster, 4_000_000, 1)
    first = cluster.deposit(3_000_000, recipient_address(9))
    cluster.watch(0)
    cluster.execute(0, 1, passes=3)
    assert cluster.mint(first)["status"] == "executed"
    tx_hash = cluster.deposit(2_000_000, recipient_address(10))
    cluster.watch(0)

    # When the nodes run, then the second mint is signed but not submitted, and shows why
    cluster.execute(0, 1, passes=2)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["execution_tx_hash"]) == ("signed", None)
    assert entry["held"] == "mint_limit"
    assert wpokt_balance(cluster, recipient_address(10)) == 0


def test_a_mint_above_the_maximum_limit_is_held_before_it_takes_a_nonce(
    mint_cluster: MintCluster,
) -> None:
    cluster = mint_cluster
    # Given a MintController whose limit can never reach the deposit
    _set_mint_cooldown(cluster, 1_000_000, 1)
    tx_hash = cluster.deposit(3_000_000, recipient_address(11))
    cluster.watch(0)

    # When the nodes run, then the mint waits in confirmed without a nonce, and shows why
    cluster.execute(0, 1, 2, passes=2)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["nonce"], entry["held"]) == (
        "confirmed",
        None,
        "over_max_mint_limit",
    )
    assert "maxMintLimit 1000000" in entry["held_detail"]

    # And once the limit is raised it is minted
    _set_mint_cooldown(cluster, 10_000_000, 10_000_000)
    cluster.anvil.rpc("evm_increaseTime", 1)
    cluster.anvil.mine()
    cluster.execute(0, 1, 2, passes=3)
    assert cluster.mint(tx_hash)["status"] == "executed"
    assert wpokt_balance(cluster, recipient_address(11)) == 3_000_000
