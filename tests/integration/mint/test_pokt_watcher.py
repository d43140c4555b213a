"""pokt-watcher: deposits into the vault become mint or refund entries, each exactly once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.fixtures.mint_cluster import (
    MintCluster,
    MintClusterFactory,
    deposit_memo,
    recipient_address,
)
from wpokt_devnet.pokt_wallet import build_signed_send
from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.entries import insert_once
from wpokt_node.db.nodes import get_cursor
from wpokt_node.errors import DatabaseError
from wpokt_node.mint import watcher as watcher_module

pytestmark = pytest.mark.node


def test_valid_deposit_becomes_one_mint_and_bad_memo_one_refund(mint_cluster: MintCluster) -> None:
    # Given a valid deposit, a deposit with a bad memo and a transfer elsewhere
    recipient = recipient_address(1)
    good = mint_cluster.deposit(5_000_000, recipient, user=0)
    bad = mint_cluster.deposit(3_000_000, recipient, user=1, memo='{"address":"0x12"}')
    mint_cluster.wallets[2].send(mint_cluster.wallets[0].address, 1_000)

    # When node 0's watcher runs
    summary = mint_cluster.watch(0)

    # Then one mint and one refund are recorded, and the cursor is at the latest height
    assert (summary["mints"], summary["refunds"], summary["known"]) == (1, 1, 0)
    [mint] = mint_cluster.mints()
    assert mint["transaction_hash"] == good
    assert (mint["to_address"], mint["amount"], mint["status"]) == (
        recipient,
        "5000000",
        "detected",
    )
    assert mint["from_address"] == mint_cluster.wallets[0].address
    [refund] = list(mint_cluster.db["refunds"].find())
    assert refund["transaction_hash"] == bad
    assert refund["to_address"] == mint_cluster.wallets[1].address
    assert refund["reason"] == "memo_bad_address"
    latest = mint_cluster.sim.state.height
    assert get_cursor(mint_cluster.db, "node-0", "pokt") == latest

    # When it runs again, and another node's watcher scans the same blocks
    again = mint_cluster.watch(0)
    other = mint_cluster.watch(1)

    # Then nothing new is inserted: the other node finds both already recorded
    assert again == {"from_height": latest + 1, "latest_height": latest}
    assert (other["mints"], other["refunds"], other["known"]) == (0, 0, 2)
    assert len(mint_cluster.mints()) == 1
    assert len(list(mint_cluster.db["refunds"].find())) == 1
    # and a quiet pass (no new block, no re-scan due) sends the database nothing
    before = COMMANDS.count
    mint_cluster.watch(0)
    assert COMMANDS.count == before


def test_racing_watchers_record_one_entry(mint_cluster: MintCluster) -> None:
    # Given a deposit seen by all three nodes at once
    tx_hash = mint_cluster.deposit(2_000_000, recipient_address(2))
    barrier = threading.Barrier(3)
    results: list[dict[str, object]] = []

    def scan(index: int) -> None:
        barrier.wait()
        results.append(mint_cluster.watch(index))

    # When their watchers race
    threads = [threading.Thread(target=scan, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then exactly one entry exists and exactly one watcher inserted it
    assert [m["transaction_hash"] for m in mint_cluster.mints()] == [tx_hash]
    assert sorted(int(str(r["mints"])) for r in results) == [0, 0, 1]


def test_cursor_moves_only_after_every_insert(
    mint_cluster: MintCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two deposits and a database that fails the second insert
    first = mint_cluster.deposit(1_000_000, recipient_address(3), user=0)
    second = mint_cluster.deposit(1_500_000, recipient_address(3), user=1)
    real_insert = insert_once
    calls: list[int] = []

    def flaky_insert(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("mints: insert failed: connection reset")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(watcher_module, "insert_once", flaky_insert)

    # When the watcher runs, the pass fails and the cursor stays unset
    with pytest.raises(DatabaseError):
        mint_cluster.watch(0)
    assert get_cursor(mint_cluster.db, "node-0", "pokt") is None
    assert [m["transaction_hash"] for m in mint_cluster.mints()] == [first]

    # When the database recovers, the next pass records the rest and moves the cursor
    monkeypatch.setattr(watcher_module, "insert_once", real_insert)
    summary = mint_cluster.watch(0)
    assert (summary["mints"], summary["known"]) == (1, 1)
    assert [m["transaction_hash"] for m in mint_cluster.mints()] == [first, second]
    assert get_cursor(mint_cluster.db, "node-0", "pokt") == mint_cluster.sim.state.height


def test_watcher_batch_stops_at_a_height_boundary(mint_cluster_factory: MintClusterFactory) -> None:
    # Given a watcher that handles one tx per pass and three deposits
    cluster: MintCluster = mint_cluster_factory(
        overrides=[{"workers": {"pokt_watcher": {"batch_size": 1}}}]
    )
    hashes = [cluster.deposit(1_000_000 + i, recipient_address(21), user=i) for i in range(3)]

    # When it runs three times
    cursors = []
    for _ in range(3):
        cursors.append(cluster.watch(0)["cursor"])

    # Then each pass records one deposit and the cursor never skips an unrecorded one
    assert [m["transaction_hash"] for m in cluster.mints()] == hashes
    heights = [m["height"] for m in cluster.mints()]
    assert cursors == [heights[0], heights[1], cluster.sim.state.height]


def test_the_watcher_stays_behind_the_tx_index(mint_cluster_factory: MintClusterFactory) -> None:
    # Given a chain that indexes a block's txs some time after reporting the block as latest
    # (CometBFT does), and a deposit in the newest block, not indexed yet
    cluster = mint_cluster_factory(index_lag_s=600.0, index_lag_blocks=1)
    wallet = cluster.wallets[0]
    account_number, sequence = wallet.account()
    signed = build_signed_send(
        wallet.signer, to_address=cluster.vault, amount=4_000_000, chain_id="pocket",
        account_number=account_number, sequence=sequence, memo=deposit_memo(recipient_address(7)),
    )  # fmt: skip
    sent = wallet.broadcast(signed)
    assert int(sent["code"]) == 0  # instant mode: in a block at once
    deposit_height = cluster.sim.state.height
    assert cluster.sim.state.block(deposit_height).tx_hashes == [sent["txhash"]]
    assert cluster.nodes[0].context.pokt.tx(sent["txhash"]) is None  # not in the index yet

    # When the watcher runs: it stops one block short of the latest, so its cursor never
    # passes a block whose txs the index does not show yet
    summary = cluster.watch(0)
    assert summary["latest_height"] == deposit_height - 1
    assert get_cursor(cluster.db, "node-0", "pokt") == deposit_height - 1
    assert cluster.mints() == []
