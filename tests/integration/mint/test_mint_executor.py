"""mint-executor on a 3-node / threshold-2 cluster: the whole life of a mint, nonces in order,
and the ways it must not pay twice."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from tests.fixtures.anvil import CHAIN_ID
from tests.fixtures.mint_cluster import (
    GAS_KEYS,
    USER_ETH_KEY,
    MintCluster,
    MintClusterFactory,
    recipient_address,
)
from wpokt_node.db import leases
from wpokt_node.db.models import Entry
from wpokt_node.db.transitions import audit_trail
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.log_scan import BlockRange
from wpokt_node.eth.mint import find_minted_event
from wpokt_node.eth.transactions import SignedTransaction, TransactionSender
from wpokt_node.keys.signer import LocalKeySigner

pytestmark = pytest.mark.node


def minted(cluster: MintCluster, recipient: str, nonce: int) -> Any:
    head = cluster.eth.block_number()
    blocks = BlockRange(cluster.deployment.deploy_block, head)
    return find_minted_event(cluster.eth, cluster.deployment.token, recipient, nonce, blocks)


def to_signed(cluster: MintCluster, amount: int, recipient: str, *, release: bool = True) -> str:
    """Given a deposit driven to ``signed`` by nodes 0 and 1 while the executor lease is held
    elsewhere (released afterwards unless ``release`` is False)."""
    tx_hash = cluster.deposit(amount, recipient)
    cluster.watch(0)
    assert leases.acquire(cluster.db, "mint-executor", "elsewhere", 60)
    cluster.execute(0, 1)
    if release:
        leases.release(cluster.db, "mint-executor", "elsewhere")
    entry = cluster.mint(tx_hash)
    assert entry["status"] == "signed"
    assert entry["execution_tx_hash"] is None
    return tx_hash


def test_mint_lifecycle_detected_to_executed(mint_cluster_factory: MintClusterFactory) -> None:
    # Given a cluster that wants 2 Pocket confirmations and a fresh valid deposit
    cluster: MintCluster = mint_cluster_factory(pokt_confirmations=2)
    recipient = recipient_address(10)
    tx_hash = cluster.deposit(7_000_000, recipient)
    cluster.watch(0)

    # When node 0 runs at depth 1: the entry stays detected with 1 confirmation
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["confirmations"]) == ("detected", 1)

    # When a block is added: confirmed, started with nonce 1 and its order, signed by node 0
    cluster.sim.state.produce_block()
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["confirmations"], entry["nonce"]) == ("started", 2, 1)
    assert entry["order"] == {
        "recipient": recipient,
        "amount": "7000000",
        "nonce": 1,
        "chain_id": CHAIN_ID,
        "controller": cluster.deployment.controller,
    }
    assert entry["signers"] == ["node-0"]
    assert cluster.db["reservations"].find_one({"_id": f"mint-nonce:{recipient}:1"}) is not None

    # When node 1 signs while node 0 holds the executor lease: the entry is signed
    assert leases.acquire(cluster.db, "mint-executor", "node-0", 60)
    cluster.execute(1)
    entry = cluster.mint(tx_hash)
    assert entry["status"] == "signed"
    assert sorted(entry["signers"]) == ["node-0", "node-1"]

    # When node 0 (the lease holder) executes and the others read the outcome: node 2 signed
    # nothing, so it cannot tell which deposit the MintData on chain pays; node 1 can
    cluster.execute(1)  # not the executor: nothing is submitted
    assert cluster.mint(tx_hash)["execution_tx_hash"] is None
    cluster.execute(0)
    submitted = cluster.mint(tx_hash)["execution_tx_hash"]
    assert submitted is not None
    cluster.execute(2)
    assert cluster.mint(tx_hash)["status"] == "signed"
    cluster.execute(1)

    # Then the mint is executed on chain, once, and the audit trail tells the story
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["execution_tx_hash"]) == ("executed", submitted)
    assert cluster.token.balance_of(recipient) == 7_000_000
    assert cluster.token.get_user_nonce(recipient) == 1
    event = minted(cluster, recipient, 1)
    assert (event.amount, event.transaction_hash) == (7_000_000, submitted)
    trail = [(a["from"], a["to"], a["node_id"]) for a in audit_trail(cluster.db, entry["_id"])]
    assert trail == [
        ("detected", "confirmed", "node-0"),
        ("confirmed", "started", "node-0"),
        ("started", "signed", "node-1"),
        ("signed", "executed", "node-1"),
    ]


def test_many_deposits_to_one_recipient_get_nonces_in_order(mint_cluster: MintCluster) -> None:
    # Given four deposits to the same recipient from three senders
    recipient = recipient_address(11)
    amounts = [1_000_000, 2_000_000, 3_000_000, 4_000_000]
    hashes: list[str] = []
    for index, amount in enumerate(amounts):
        hashes.append(mint_cluster.deposit(amount, recipient, user=index % 3))
    mint_cluster.watch(2)

    # When the nodes run a few passes
    mint_cluster.execute(0, 1, 2, passes=3)

    # Then nonces 1..4 follow the deposits' order and all are minted in that order
    entries = [mint_cluster.mint(h) for h in hashes]
    assert [e["nonce"] for e in entries] == [1, 2, 3, 4]
    assert [e["status"] for e in entries] == ["executed"] * 4
    assert mint_cluster.token.get_user_nonce(recipient) == 4
    assert mint_cluster.token.balance_of(recipient) == sum(amounts)
    blocks = [minted(mint_cluster, recipient, n).block_number for n in (1, 2, 3, 4)]
    assert blocks == sorted(blocks)
    assert [minted(mint_cluster, recipient, n).amount for n in (1, 2, 3, 4)] == amounts


@pytest.mark.parametrize("field", ["amount", "recipient", "nonce"])
def test_entry_edited_after_started_is_restored_from_the_chain_and_paid_once(
    mint_cluster: MintCluster, field: str
) -> None:
    # Given an entry started and signed by node 0 alone
    recipient = recipient_address(12)
    tx_hash = mint_cluster.deposit(4_000_000, recipient)
    mint_cluster.watch(0)
    mint_cluster.execute(0)
    entry = mint_cluster.mint(tx_hash)
    assert (entry["status"], entry["signers"]) == ("started", ["node-0"])

    # When someone edits the payload in MongoDB, consistently in the entry and its order
    all_edits: dict[str, dict[str, Any]] = {
        "amount": {"amount": "40000000", "order.amount": "40000000"},
        "recipient": {
            "to_address": recipient_address(13),
            "order.recipient": recipient_address(13),
        },
        "nonce": {"nonce": 2, "order.nonce": 2},
    }
    edits = all_edits[field]
    mint_cluster.db["mints"].update_one({"_id": entry["_id"]}, {"$set": edits})
    mint_cluster.execute(1, 2, 0, passes=3)

    # Then the nodes restore what the chain says, and the deposit is minted once, as made
    entry = mint_cluster.mint(tx_hash)
    assert entry["status"] == "executed"
    assert (entry["to_address"], entry["amount"], entry["nonce"]) == (recipient, "4000000", 1)
    assert any(t["reason"].startswith(("repaired", "re-prepare")) for t in entry["transitions"])
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == 4_000_000
    assert mint_cluster.token.get_user_nonce(recipient_address(13)) == 0


@pytest.mark.parametrize("forgery", ["amount", "recipient"])
def test_forged_second_entry_for_a_signed_deposit_gets_no_signature(
    mint_cluster: MintCluster, forgery: str
) -> None:
    # Given a deposit minted with the signatures of nodes 0 and 1
    recipient = recipient_address(14)
    tx_hash = mint_cluster.deposit(6_000_000, recipient)
    mint_cluster.watch(0)
    mint_cluster.execute(0, 1, passes=2)
    original = mint_cluster.mint(tx_hash)
    assert original["status"] == "executed"

    # When a second entry for the same deposit is inserted directly, already started, with a
    # different amount or recipient (and a reservation forged for its nonce)
    forged = {k: v for k, v in original.items() if k not in ("_id", "transitions")}
    target = recipient_address(15) if forgery == "recipient" else recipient
    amount = "60000000" if forgery == "amount" else "6000000"
    nonce = 1 if forgery == "recipient" else 2
    forged.update(
        status="started",
        signers=[],
        signatures=[],
        audit_seq=0,
        execution_tx_hash=None,
        to_address=target,
        amount=amount,
        nonce=nonce,
        order={**original["order"], "recipient": target, "amount": amount, "nonce": nonce},
    )
    if forgery == "recipient":  # same (tx, sender, amount): it must replace the original
        mint_cluster.db["mints"].delete_one({"_id": original["_id"]})
    forged_id = mint_cluster.db["mints"].insert_one(forged).inserted_id
    mint_cluster.db["reservations"].insert_one(
        {
            "_id": f"mint-nonce:{target}:{nonce}",
            "kind": "mint-nonce",
            "scope": target,
            "number": nonce,
            "collection": "mints",
            "entry_id": forged_id,
        }
    )
    mint_cluster.execute(0, 1, 2, passes=2)

    # Then no node signs it, and nothing more is minted. A copy that replaced the original is
    # repaired from the chain and recognised, by the nodes whose journals hold the payload that
    # paid the deposit, as that payout; a second copy beside the original is refused by all
    entry = mint_cluster.db["mints"].find_one({"_id": forged_id})
    assert entry is not None
    assert entry["signers"] == []
    if forgery == "recipient":
        assert entry["status"] == "executed"
        assert entry["order"] == original["order"]
        assert entry["execution_tx_hash"] == original["execution_tx_hash"]
    else:
        assert entry["status"] == "started"
        assert sorted(entry["refusals"]) == ["node-0", "node-1", "node-2"]
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == 6_000_000
    assert mint_cluster.token.get_user_nonce(recipient_address(15)) == 0


def test_replayed_deposit_with_a_fresh_nonce_is_recognised_as_paid_by_the_journals(
    mint_cluster: MintCluster,
) -> None:
    # Given a deposit minted with the signatures of nodes 0 and 1 (nonce 1)
    recipient = recipient_address(16)
    tx_hash = mint_cluster.deposit(6_000_000, recipient)
    mint_cluster.watch(0)
    mint_cluster.execute(0, 1, passes=2)
    original = mint_cluster.mint(tx_hash)
    assert (original["status"], sorted(original["signers"])) == ("executed", ["node-0", "node-1"])

    # When an attacker replaces the entry by an exact copy that asks for nonce 2, with a
    # matching reservation: every chain check passes
    mint_cluster.db["mints"].delete_one({"_id": original["_id"]})
    replay = {k: v for k, v in original.items() if k != "transitions"}
    replay.update(
        status="started",
        signers=[],
        signatures=[],
        execution_tx_hash=None,
        nonce=2,
        order={**original["order"], "nonce": 2},
    )
    mint_cluster.db["mints"].insert_one(replay)
    mint_cluster.db["reservations"].insert_one(
        {
            "_id": f"mint-nonce:{recipient}:2",
            "kind": "mint-nonce",
            "scope": recipient,
            "number": 2,
            "collection": "mints",
            "entry_id": original["_id"],
        }
    )
    mint_cluster.execute(0, 1, 2, passes=2)

    # Then node 0 signs nothing: its journal holds nonce 1 for this deposit, which the chain
    # shows minted, so it records the entry executed by that payout (what a database restored
    # from a backup older than the payout needs too); nothing more is ever minted
    entry = mint_cluster.mint(tx_hash)
    assert (entry["status"], entry["signers"]) == ("executed", [])
    assert entry["order"] == original["order"]
    assert entry["execution_tx_hash"] == original["execution_tx_hash"]
    assert entry["retired_orders"][-1]["order"]["nonce"] == 2
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == 6_000_000


def test_two_executors_racing_mint_once(mint_cluster: MintCluster) -> None:
    # Given a signed entry and two nodes that both believe they hold the executor lease
    recipient = recipient_address(17)
    tx_hash = to_signed(mint_cluster, 5_000_000, recipient)
    mint_cluster.nodes[0].executor.settings = replace(
        mint_cluster.nodes[0].executor.settings, executor_lease="mint-executor-a"
    )
    mint_cluster.nodes[1].executor.settings = replace(
        mint_cluster.nodes[1].executor.settings, executor_lease="mint-executor-b"
    )
    barrier = threading.Barrier(2)

    def run(index: int) -> None:
        barrier.wait()
        mint_cluster.nodes[index].executor.run_once()

    # When they execute at the same moment, then keep running
    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    mint_cluster.execute(0, 1, passes=2)

    # Then exactly one mint happened and the entry was executed once
    entry = mint_cluster.mint(tx_hash)
    assert entry["status"] == "executed"
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == 5_000_000
    assert minted(mint_cluster, recipient, 1).transaction_hash == entry["execution_tx_hash"]
    executed = [a for a in audit_trail(mint_cluster.db, entry["_id"]) if a["to"] == "executed"]
    assert len(executed) == 1


def test_crash_between_recording_and_broadcast_rebroadcasts_the_same_bytes(
    mint_cluster: MintCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a signed entry, and a node that dies right after recording its execution tx
    recipient = recipient_address(18)
    tx_hash = to_signed(mint_cluster, 3_000_000, recipient)
    custody = mint_cluster.nodes[0].custody

    def crash(_signed: SignedTransaction) -> str:
        raise SystemExit("killed between record and broadcast")

    monkeypatch.setattr(custody.sender, "broadcast", crash)
    with pytest.raises(SystemExit):
        mint_cluster.execute(0)
    monkeypatch.undo()
    recorded = mint_cluster.mint(tx_hash)
    assert recorded["execution_tx_hash"] is not None
    assert mint_cluster.token.get_user_nonce(recipient) == 0

    # When the node comes back and runs its passes
    mint_cluster.execute(0, passes=2)

    # Then the same bytes were sent (same tx hash) and the mint happened once
    entry = mint_cluster.mint(tx_hash)
    assert entry["status"] == "executed"
    assert entry["execution_tx_hash"] == recorded["execution_tx_hash"]
    assert entry["execution_tx_raw"] == recorded["execution_tx_raw"]
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == 3_000_000


def test_mint_executed_by_the_user_is_recognised(mint_cluster: MintCluster) -> None:
    # Given a signed entry whose signatures the user submits themselves
    recipient = recipient_address(19)
    tx_hash = to_signed(mint_cluster, 2_500_000, recipient, release=False)
    entry = mint_cluster.mint(tx_hash)
    custody = mint_cluster.nodes[2].custody
    order = entry["order"]
    signatures = sorted(entry["signatures"], key=lambda s: int(s["signer"], 16))
    call = mint_cluster.controller.encode_mint(
        MintData(order["recipient"], int(order["amount"]), order["nonce"]),
        [bytes.fromhex(s["signature"].removeprefix("0x")) for s in signatures],
    )
    user = TransactionSender(mint_cluster.eth, LocalKeySigner.from_hex(USER_ETH_KEY), CHAIN_ID)
    receipt = user.send(mint_cluster.deployment.controller, call, 400_000, "user mint")
    assert custody.outcome(Entry.from_document("mints", entry), order).kind.value == "executed"

    # When a node that signed it but is not the executor runs
    mint_cluster.execute(0)
    assert leases.holder_of(mint_cluster.db, "mint-executor") == "elsewhere"

    # Then the entry is executed with the user's tx, and nothing was minted twice
    entry = mint_cluster.mint(tx_hash)
    assert (entry["status"], entry["execution_tx_hash"]) == ("executed", receipt.transaction_hash)
    assert mint_cluster.token.balance_of(recipient) == 2_500_000
    assert mint_cluster.token.get_user_nonce(recipient) == 1


def test_recorded_tx_whose_gas_nonce_was_used_elsewhere_is_replaced(
    mint_cluster: MintCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an execution tx recorded but never broadcast (the node died), after which the gas
    # key's nonce was used by another transaction: the recorded tx can never land
    recipient = recipient_address(20)
    tx_hash = to_signed(mint_cluster, 1_500_000, recipient)
    custody = mint_cluster.nodes[0].custody

    def crash(_signed: SignedTransaction) -> str:
        raise SystemExit("killed between record and broadcast")

    monkeypatch.setattr(custody.sender, "broadcast", crash)
    with pytest.raises(SystemExit):
        mint_cluster.execute(0)
    monkeypatch.undo()
    dead = mint_cluster.mint(tx_hash)["execution_tx_hash"]
    gas = TransactionSender(mint_cluster.eth, LocalKeySigner.from_hex(GAS_KEYS[0]), CHAIN_ID)
    gas.send(gas.address, b"", 21_000, "unrelated transfer")

    # When the node runs again
    mint_cluster.execute(0, passes=2)

    # Then a new tx replaced the dead one and the mint happened once
    entry = mint_cluster.mint(tx_hash)
    assert entry["status"] == "executed"
    assert entry["execution_tx_hash"] not in (None, dead)
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == 1_500_000


def test_a_mint_edited_at_detected_is_repaired_from_the_chain_and_paid(
    mint_cluster: MintCluster,
) -> None:
    # Given a recorded deposit whose recipient and amount are then edited in the database
    recipient, thief = recipient_address(21), recipient_address(22)
    tx_hash = mint_cluster.deposit(6_000_000, recipient)
    mint_cluster.watch(0)
    entry = mint_cluster.mint(tx_hash)
    mint_cluster.db["mints"].update_one(
        {"_id": entry["_id"]}, {"$set": {"to_address": thief, "amount": "9000000"}}
    )

    # When the nodes run
    mint_cluster.execute(0, 1, 2, passes=4)

    # Then the entry was restored from the chain (the edit kept visibly) and the deposit minted
    fresh = mint_cluster.db["mints"].find_one({"_id": entry["_id"]})
    assert fresh is not None
    assert (fresh["status"], fresh["to_address"], fresh["amount"]) == (
        "executed",
        recipient,
        "6000000",
    )
    assert fresh["repaired"] == {"to_address": thief, "amount": "9000000"}
    assert mint_cluster.token.balance_of(recipient) == 6_000_000
    assert mint_cluster.token.balance_of(thief) == 0
