"""An entry marked ``executed`` in the database is believed only if the chain shows its payout:
the re-scan offers it to the node's claim queue, the executor checks it and re-opens it."""

from __future__ import annotations

import secrets

import pytest
from bson import ObjectId

from tests.fixtures.mint_cluster import MintCluster, recipient_address
from wpokt_node.db.transitions import audit_trail

pytestmark = pytest.mark.node


def _reopened(cluster: MintCluster, entry_id: ObjectId) -> list[str]:
    return [
        str(step["reason"])
        for step in audit_trail(cluster.db, entry_id)
        if str(step.get("reason", "")).startswith("re-opened")
    ]


def test_a_deposit_marked_executed_before_it_was_paid_is_reopened_and_minted_once(
    mint_cluster: MintCluster,
) -> None:
    # Given a recorded deposit that a database writer marks executed before any node acted
    recipient = recipient_address(31)
    tx_hash = mint_cluster.deposit(7_000_000, recipient)
    mint_cluster.watch(0)
    entry = mint_cluster.mint(tx_hash)
    mint_cluster.db["mints"].update_one(
        {"_id": entry["_id"]},
        {"$set": {"status": "executed", "execution_tx_hash": "0x" + secrets.token_hex(32)}},
    )

    # When the other nodes' watchers re-scan their window (a first pass sets the cursor, the
    # second re-scans behind it) and the executors run
    for node in (1, 2, 1, 2):
        mint_cluster.watch(node)
    mint_cluster.execute(0, 1, 2, passes=4)

    # Then the claim was re-opened and the deposit minted, once
    fresh = mint_cluster.mint(tx_hash)
    assert fresh["status"] == "executed"
    assert mint_cluster.token.balance_of(recipient) == 7_000_000
    assert _reopened(mint_cluster, entry["_id"])
    assert mint_cluster.eth.receipt(fresh["execution_tx_hash"]) is not None


def test_a_deposit_given_another_deposits_mint_is_reopened_by_the_nodes_that_signed_it(
    mint_cluster: MintCluster,
) -> None:
    # Given two deposits of one amount to one recipient; the first is minted (nonce 1)
    recipient = recipient_address(32)
    first = mint_cluster.deposit(5_000_000, recipient)
    mint_cluster.watch(0)
    mint_cluster.execute(0, 1, 2, passes=4)
    paid = mint_cluster.mint(first)
    assert paid["status"] == "executed"
    second = mint_cluster.deposit(5_000_000, recipient)
    mint_cluster.watch(0)
    victim = mint_cluster.mint(second)

    # When a writer marks the second executed with the first one's order, nonce and mint tx
    forged = {
        "status": "executed",
        "order": paid["order"],
        "nonce": paid["nonce"],
        "execution_tx_hash": paid["execution_tx_hash"],
    }
    mint_cluster.db["mints"].update_one({"_id": victim["_id"]}, {"$set": forged})
    for node in (1, 2, 1, 2):
        mint_cluster.watch(node)
    mint_cluster.execute(0, 1, 2, passes=5)

    # Then a node that signed the first mint re-opened the second, which was minted on its own
    fresh = mint_cluster.mint(second)
    assert fresh["status"] == "executed"
    assert fresh["nonce"] == paid["nonce"] + 1
    assert fresh["execution_tx_hash"] != paid["execution_tx_hash"]
    assert mint_cluster.token.balance_of(recipient) == 10_000_000
    assert any("pays pokt:" in reason for reason in _reopened(mint_cluster, victim["_id"]))
