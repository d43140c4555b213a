"""Burn and refund releases through a 3-node, 2-of-3 cluster on anvil + the Pocket simulator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2

from tests.fixtures.pokt import POKT_USER_BALANCE
from tests.integration.burn.release_cluster import (
    FEE,
    MEMBERS,
    VAULT,
    VAULT_BALANCE,
    ReleaseCluster,
    recipient,
)
from wpokt_devnet.pokt_sim.ante import FEE_COLLECTOR
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.addresses import address_to_bytes
from wpokt_node.custody.pokt_multisig import MAX_FAILED_RELEASES, RELEASES_FAILED_ON_CHAIN
from wpokt_node.custody.release_base import ReleaseCustodyBase
from wpokt_node.db import leases
from wpokt_node.db.schema import BURNS, REFUNDS
from wpokt_node.db.transitions import audit_trail
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.pokt.direct_tx import packed
from wpokt_node.pokt.multisig_tx import assemble_multisig_tx
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc, sign_release

pytestmark = pytest.mark.node

Document = dict[str, Any]


@pytest.fixture
def wallet(cluster: ReleaseCluster, pokt_users: list[LocalKeySigner]) -> Iterator[DevnetWallet]:
    user = DevnetWallet(pokt_users[0], cluster.pokt_url)
    yield user
    user.close()


def _entry(cluster: ReleaseCluster, collection: str, query: dict[str, Any]) -> Document:
    found = cluster.db[collection].find_one(query)
    assert found is not None, query
    return found


def _steps(cluster: ReleaseCluster, entry: Document) -> list[tuple[str, str]]:
    return [(a["from"], a["to"]) for a in audit_trail(cluster.db, entry["_id"])]


HAPPY_PATH = [
    ("detected", "confirmed"),
    ("confirmed", "started"),
    ("started", "signed"),
    ("signed", "executed"),
]


def test_burn_is_paid_from_the_vault_once(cluster: ReleaseCluster) -> None:
    # Given a burn of 5 wPOKT to a fresh Pocket address, found by the burn watcher
    to = recipient("burn happy path")
    start_sequence = cluster.vault_sequence()
    tx_hash = cluster.burn(5_000_000, to)
    summary = cluster.watcher().run_once()
    assert summary["inserted"] == 1
    assert cluster.watcher().run_once()["inserted"] == 0  # re-scan: recorded once
    entry = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    assert (entry["status"], entry["to_address"], entry["amount"]) == ("detected", to, "5000000")

    # When every node runs its executor once
    cluster.run()

    # Then the recipient got amount - fee, the vault paid amount, at the vault's sequence
    entry = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert entry["status"] == "executed"
    assert entry["sequence"] == start_sequence
    assert entry["order"]["memo"] == f"burn:{tx_hash}:{entry['burn_index']}"
    assert cluster.balance(to) == 5_000_000 - FEE
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 5_000_000
    assert cluster.vault_sequence() == start_sequence + 1
    assert len(entry["signers"]) == 2
    assert _steps(cluster, entry) == HAPPY_PATH
    landed = cluster.pokt.tx(entry["execution_tx_hash"])
    assert landed is not None
    assert landed["code"] == 0
    assert landed["tx"]["body"]["memo"] == entry["order"]["memo"]

    # And more passes change nothing
    cluster.run(2)
    assert cluster.balance(to) == 5_000_000 - FEE


def test_burn_not_above_the_fee_fails(cluster: ReleaseCluster) -> None:
    tx_hash = cluster.burn(FEE, recipient("dust"))
    cluster.watcher().run_once()
    cluster.run()
    entry = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    assert (entry["status"], entry["error"]) == ("failed", "amount_not_above_fee")
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE


def test_bad_memo_deposit_is_refunded(cluster: ReleaseCluster, wallet: DevnetWallet) -> None:
    # Given a deposit with a memo that is not JSON, recorded as a refund entry
    deposit = wallet.send(VAULT.address(), 3_000_000, memo="please mint")
    entry_id = cluster.refund_entry(deposit)

    # When the nodes run
    cluster.run()

    # Then the sender got the deposit back minus the fee, with memo refund:<hash>
    entry = _entry(cluster, REFUNDS, {"_id": entry_id})
    assert entry["status"] == "executed"
    assert wallet.balance() == POKT_USER_BALANCE - FEE
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE
    landed = cluster.pokt.tx(entry["execution_tx_hash"])
    assert landed is not None
    assert landed["tx"]["body"]["memo"] == f"refund:{deposit.upper()}"
    assert _steps(cluster, entry) == HAPPY_PATH


def test_several_releases_use_consecutive_sequences(
    cluster: ReleaseCluster, wallet: DevnetWallet
) -> None:
    start = cluster.vault_sequence()
    targets = [recipient(f"several {i}") for i in range(3)]
    burns = [cluster.burn(1_000_000 * (i + 1), to) for i, to in enumerate(targets)]
    refund_id = cluster.refund_entry(wallet.send(VAULT.address(), 700_000, memo="{}"))
    cluster.watcher().run_once()

    cluster.run(2)

    entries = [_entry(cluster, BURNS, {"transaction_hash": h}) for h in burns]
    entries.append(_entry(cluster, REFUNDS, {"_id": refund_id}))
    assert [e["status"] for e in entries] == ["executed"] * 4
    assert sorted(e["sequence"] for e in entries) == list(range(start, start + 4))
    assert cluster.vault_sequence() == start + 4
    assert [cluster.balance(t) for t in targets] == [1_000_000 * (i + 1) - FEE for i in range(3)]
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE + 700_000 - 6_000_000 - 700_000


def test_edited_started_entries_are_restored_and_paid_as_the_chain_says(
    cluster: ReleaseCluster,
) -> None:
    # Given three burns moved to started by a node that signs nothing
    targets = [recipient(f"edited {i}") for i in range(3)]
    hashes = [cluster.burn(2_000_000, to) for to in targets]
    cluster.watcher().run_once()
    cluster.run(nodes=[cluster.preparer()])
    entries = [_entry(cluster, BURNS, {"transaction_hash": h}) for h in hashes]
    assert [e["status"] for e in entries] == ["started"] * 3
    assert all(e["signatures"] == [] for e in entries)

    # When the amount, the recipient and the sequence are changed in MongoDB
    edits = [
        {"amount": "3000000", "order.amount": str(3_000_000 - FEE)},
        {"to_address": recipient("attacker"), "order.to": recipient("attacker")},
        {"sequence": entries[2]["sequence"] + 5, "order.sequence": entries[2]["sequence"] + 5},
    ]
    for entry, edit in zip(entries, edits, strict=True):
        cluster.db[BURNS].update_one({"_id": entry["_id"]}, {"$set": edit})
    cluster.run(4)

    # Then the nodes restore each from the chain and pay each burn once, as it was made
    for entry in entries:
        fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
        assert fresh["status"] == "executed"
        assert (fresh["to_address"], fresh["amount"]) == (entry["to_address"], "2000000")
    assert [cluster.balance(t) for t in targets] == [2_000_000 - FEE] * 3
    assert cluster.balance(recipient("attacker")) == 0
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 3 * 2_000_000


def test_forged_second_entries_get_no_second_signature(
    cluster: ReleaseCluster, wallet: DevnetWallet
) -> None:
    # Given a burn and a refund already signed and paid
    to = recipient("forged")
    tx_hash = cluster.burn(4_000_000, to)
    cluster.watcher().run_once()
    deposit = wallet.send(VAULT.address(), 2_000_000, memo="nope")
    refund_id = cluster.refund_entry(deposit)
    cluster.run()
    burn = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    refund = _entry(cluster, REFUNDS, {"_id": refund_id})
    assert (burn["status"], refund["status"]) == ("executed", "executed")

    # When someone inserts second entries for the same source events (keys spelled differently)
    forged_burn = {k: v for k, v in burn.items() if k not in ("_id",)}
    forged_burn.update(
        transaction_hash="0x" + tx_hash[2:].upper(),
        status="detected",
        signers=[],
        signatures=[],
        order=None,
        sequence=None,
        execution_tx_hash=None,
        audit_seq=0,
        transitions=[],
    )
    forged_refund = {k: v for k, v in refund.items() if k not in ("_id",)}
    forged_refund.update(
        transaction_hash=deposit.lower(),
        status="detected",
        signers=[],
        signatures=[],
        order=None,
        sequence=None,
        execution_tx_hash=None,
        audit_seq=0,
        transitions=[],
    )
    burn_id = cluster.db[BURNS].insert_one(forged_burn).inserted_id
    forged_refund_id = cluster.db[REFUNDS].insert_one(forged_refund).inserted_id
    cluster.run(2)

    # Then the copies fail, unsigned: a tx hash not in the chain's spelling names no source
    # event (and the journals would refuse a second payload for the real one anyway)
    for collection, entry_id in ((BURNS, burn_id), (REFUNDS, forged_refund_id)):
        forged = _entry(cluster, collection, {"_id": entry_id})
        assert forged["status"] == "failed"
        assert forged["error"] == "source gone: tx hash not in the chain's spelling"
        assert forged["signers"] == []
    assert cluster.balance(to) == 4_000_000 - FEE
    assert wallet.balance() == POKT_USER_BALANCE - FEE


def _signed_but_not_broadcast(cluster: ReleaseCluster, amount: int, to: str) -> Document:
    """A burn signed by the cluster while a phantom holds the executor lease."""
    assert leases.acquire(cluster.db, "release-executor", "phantom", 300)
    tx_hash = cluster.burn(amount, to)
    cluster.watcher().run_once()
    cluster.run()
    entry = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    assert entry["status"] == "signed"
    assert entry["execution_tx_hash"] is None
    return entry


def test_racing_executors_pay_once(cluster: ReleaseCluster) -> None:
    # Given a signed burn, and two executors that each believe they hold the lease
    to = recipient("race")
    entry = _signed_but_not_broadcast(cluster, 3_000_000, to)
    racers = [cluster.node(1, execution_lease="race-a"), cluster.node(2, execution_lease="race-b")]

    # When both run at the same moment
    barrier = threading.Barrier(2)
    results: list[dict[str, object]] = []

    def race(executor: Any) -> None:
        barrier.wait()
        results.append(executor.run_once())

    threads = [threading.Thread(target=race, args=(r.executor,)) for r in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for node in racers:
        node.executor.run_once()

    # Then the payout happened exactly once
    assert len(results) == 2
    assert sum(int(r.get("submitted", 0)) for r in results) >= 1  # type: ignore[call-overload]
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert fresh["status"] == "executed"
    assert cluster.balance(to) == 3_000_000 - FEE
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 3_000_000


def test_crash_between_record_and_broadcast_rebroadcasts_the_same_bytes(
    cluster: ReleaseCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a signed burn and an executor that dies right after recording the tx
    to = recipient("crash")
    entry = _signed_but_not_broadcast(cluster, 2_500_000, to)
    leases.release(cluster.db, "release-executor", "phantom")
    node = cluster.nodes[1]

    def crash(_tx_bytes: bytes) -> Any:
        raise RuntimeError("process killed before broadcast")

    monkeypatch.setattr(node.pokt, "broadcast", crash)
    node.executor.run_once()
    recorded = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert recorded["status"] == "signed"
    assert recorded["execution_tx_hash"]
    assert recorded["execution_tx_bytes"]
    assert cluster.balance(to) == 0

    # When it comes back
    monkeypatch.undo()
    node.executor.run_once()
    node.executor.run_once()

    # Then it broadcast the recorded bytes: same hash, paid once
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert fresh["status"] == "executed"
    assert fresh["execution_tx_hash"] == recorded["execution_tx_hash"]
    assert cluster.balance(to) == 2_500_000 - FEE
    cluster.run(2)
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 2_500_000


def _consume_vault_sequence(cluster: ReleaseCluster, sequence: int) -> None:
    """Two members sign and broadcast some other vault tx at ``sequence``."""
    account = cluster.pokt.account(VAULT.address())
    assert account is not None
    other = ReleaseSpec(
        chain_id="pocket",
        account_number=account.account_number,
        sequence=sequence,
        vault_address=VAULT.address(),
        recipient=recipient("operator"),
        amount=1,
        memo="operator maintenance",
        fee_amount=FEE,
        gas_limit=400_000,
    )
    doc = build_release_sign_doc(other)
    assembled = assemble_multisig_tx(
        other, VAULT, {m.public_key: sign_release(m, doc) for m in MEMBERS[:2]}
    )
    assert cluster.pokt.broadcast(assembled.tx_bytes).code == 0
    assert cluster.vault_sequence() == sequence + 1


def test_dead_release_is_prepared_again_and_paid_once(cluster: ReleaseCluster) -> None:
    # Given a signed burn at sequence s that nobody has broadcast
    to = recipient("dead")
    entry = _signed_but_not_broadcast(cluster, 6_000_000, to)
    old_sequence = entry["sequence"]
    old_hash = cluster.nodes[0].executor.custodies[BURNS].payload_hash(entry["order"])

    # When another vault tx consumes sequence s
    _consume_vault_sequence(cluster, old_sequence)
    leases.release(cluster.db, "release-executor", "phantom")
    cluster.run(2)

    # Then the burn was re-prepared at a new sequence, signed again and paid exactly once
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert fresh["status"] == "executed"
    assert fresh["sequence"] == old_sequence + 1
    assert [r["sequence"] for r in fresh["retired_orders"]] == [old_sequence]
    assert "used by another tx" in fresh["retired_orders"][0]["reason"]
    assert ("signed", "confirmed") in _steps(cluster, fresh)
    assert cluster.balance(to) == 6_000_000 - FEE
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 6_000_000 - 1 - FEE
    source_event = f"eth:{entry['transaction_hash']}:{entry['burn_index']}"
    # And both nodes that signed the dead payload retired it in their own journals: node-0 when
    # it proved the death and re-prepared, node-1 from its own proof before signing again
    assert set(entry["signers"]) == {"node-0", "node-1"}
    assert set(fresh["signers"]) == {"node-1", "node-2"}
    new_hash = cluster.nodes[0].executor.custodies[BURNS].payload_hash(fresh["order"])
    assert cluster.nodes[0].journal.live_payload(source_event) is None
    assert cluster.nodes[1].journal.live_payload(source_event) == new_hash
    for node in cluster.nodes[:2]:
        assert not node.journal.authorize(source_event, old_hash, "again").may_sign


def test_a_dead_payload_is_retired_from_the_journals_own_copy(cluster: ReleaseCluster) -> None:
    # Given a signed burn whose sequence another vault tx consumed, re-prepared by node-0
    to = recipient("erased")
    entry = _signed_but_not_broadcast(cluster, 4_000_000, to)
    _consume_vault_sequence(cluster, entry["sequence"])
    leases.release(cluster.db, "release-executor", "phantom")
    cluster.run(1, nodes=cluster.nodes[:1])
    assert _entry(cluster, BURNS, {"_id": entry["_id"]})["retired_orders"]

    # When a database writer erases the record of the retired order
    cluster.db[BURNS].update_one({"_id": entry["_id"]}, {"$unset": {"retired_orders": ""}})
    cluster.run(2)

    # Then node-1, which signed the dead payload, proved it dead from its journal's own copy
    # and signed the new one: the burn is paid once
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert fresh["status"] == "executed"
    assert "node-1" in fresh["signers"]
    assert cluster.balance(to) == 4_000_000 - FEE


def test_a_burn_marked_executed_before_it_was_paid_is_reopened_and_paid_once(
    cluster: ReleaseCluster,
) -> None:
    # Given a burn signed by the cluster, which a database writer then marks executed
    to = recipient("claimed")
    entry = _signed_but_not_broadcast(cluster, 3_500_000, to)
    fake = {"status": "executed", "execution_tx_hash": "AB" * 32}
    cluster.db[BURNS].update_one({"_id": entry["_id"]}, {"$set": fake})
    leases.release(cluster.db, "release-executor", "phantom")

    # When node-0's watcher re-scans its window and the executors run
    cluster.watcher().run_once()
    cluster.run(3)

    # Then the claim was re-opened (back to signed, the same order) and the burn paid once
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert fresh["status"] == "executed"
    assert fresh["execution_tx_hash"] != fake["execution_tx_hash"]
    assert fresh["sequence"] == entry["sequence"]
    assert ("executed", "signed") in _steps(cluster, fresh)
    assert cluster.balance(to) == 3_500_000 - FEE


def test_burn_in_a_reorged_block_never_confirms(cluster: ReleaseCluster) -> None:
    # Given a burn seen by the watcher at the head
    anvil = cluster.eth.anvil
    snapshot = anvil.snapshot()
    cluster.eth.mint(cluster.eth.holder_address, 1_000_000)
    receipt = cluster.eth.burn(1_000_000, address_to_bytes(recipient("reorg")))
    cluster.watcher().run_once()
    entry = _entry(cluster, BURNS, {"transaction_hash": receipt.transaction_hash})
    cluster.run()
    assert _entry(cluster, BURNS, {"_id": entry["_id"]})["status"] == "detected"

    # When its block is reorged away and the replacing chain grows past the depth
    anvil.revert(snapshot)
    anvil.mine(1)
    cluster.run()
    assert _entry(cluster, BURNS, {"_id": entry["_id"]})["status"] == "detected"
    anvil.mine(5)
    cluster.run()

    # Then the entry failed and was never confirmed
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert fresh["status"] == "failed"
    assert "gone" in fresh["error"]
    assert _steps(cluster, fresh) == [("detected", "failed")]
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE


def test_started_release_whose_sequence_was_used_is_prepared_again(
    cluster: ReleaseCluster,
) -> None:
    # Given a burn started at sequence s, not signed yet
    to = recipient("dead while started")
    tx_hash = cluster.burn(2_000_000, to)
    cluster.watcher().run_once()
    cluster.run(nodes=[cluster.preparer()])
    entry = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    assert (entry["status"], entry["signatures"]) == ("started", [])

    # When another vault tx takes sequence s
    _consume_vault_sequence(cluster, entry["sequence"])
    cluster.run(2)

    # Then the burn is paid once, at the next sequence
    fresh = _entry(cluster, BURNS, {"_id": entry["_id"]})
    assert (fresh["status"], fresh["sequence"]) == ("executed", entry["sequence"] + 1)
    assert ("started", "confirmed") in _steps(cluster, fresh)
    assert cluster.balance(to) == 2_000_000 - FEE


def test_an_edited_refund_is_restored_and_refunds_what_was_sent(
    cluster: ReleaseCluster, wallet: DevnetWallet
) -> None:
    # Given a refund started by a node that signs nothing, then given another amount
    entry_id = cluster.refund_entry(wallet.send(VAULT.address(), 1_000_000, memo="x"))
    cluster.run(nodes=[cluster.preparer()])
    cluster.db[REFUNDS].update_one(
        {"_id": entry_id},
        {"$set": {"amount": "9000000", "order.amount": str(9_000_000 - FEE)}},
    )

    # When the nodes run
    cluster.run(3)

    # Then the amount is restored from the chain and only what was sent is refunded
    fresh = _entry(cluster, REFUNDS, {"_id": entry_id})
    assert (fresh["status"], fresh["amount"]) == ("executed", "1000000")
    assert fresh["repaired"]
    assert wallet.balance() == POKT_USER_BALANCE - FEE


@pytest.mark.parametrize(
    ("to", "error"),
    [
        (FEE_COLLECTOR, "recipient_is_module_account"),
        (VAULT.address(), "recipient_is_the_vault"),
    ],
)
def test_a_burn_to_a_recipient_that_can_only_fail_is_failed_before_it_costs_a_fee(
    cluster: ReleaseCluster, to: str, error: str
) -> None:
    # Given a burn whose payout the chain would refuse in the block (the fee paid) or pay back
    # into the vault itself, for ever after each re-prepare
    start_sequence = cluster.vault_sequence()
    tx_hash = cluster.burn(3_000_000, to)
    cluster.watcher().run_once()

    # When the nodes run
    cluster.run(2)

    # Then it fails at once, visibly, and the vault neither pays nor signs anything
    entry = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    assert (entry["status"], entry["error"]) == ("failed", error)
    assert cluster.vault_sequence() == start_sequence
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE


def test_a_dust_deposit_is_recorded_and_fails_visibly(
    cluster: ReleaseCluster, wallet: DevnetWallet
) -> None:
    # Given a deposit with a bad memo not above the release fee, recorded as a refund
    entry_id = cluster.refund_entry(wallet.send(VAULT.address(), FEE, memo="x"))
    sequence = cluster.vault_sequence()

    # When the nodes run
    cluster.run()

    # Then it failed saying why, before any vault sequence was used
    entry = _entry(cluster, REFUNDS, {"_id": entry_id})
    assert (entry["status"], entry["error"]) == ("failed", "amount_not_above_fee")
    assert cluster.vault_sequence() == sequence


def test_a_deposit_the_node_never_pays_fails_naming_its_coins(
    cluster: ReleaseCluster, wallet: DevnetWallet
) -> None:
    # Given 5 POKT and 9 uother in one MsgSend to the vault, recorded as a refund entry
    deposit = wallet.submit(
        [
            packed(
                "/cosmos.bank.v1beta1.MsgSend",
                bank_tx_pb2.MsgSend(
                    from_address=wallet.address,
                    to_address=VAULT.address(),
                    amount=[
                        coin_pb2.Coin(denom="uother", amount="9"),
                        coin_pb2.Coin(denom="upokt", amount="5000000"),
                    ],
                ),
            )
        ],
        memo="x",
    )
    assert deposit.code == 0
    entry_id = cluster.refund_entry(deposit.txhash)
    sequence = cluster.vault_sequence()

    # When the nodes run
    cluster.run()

    # Then nothing is paid back in part: the entry failed naming every coin, no sequence used
    entry = _entry(cluster, REFUNDS, {"_id": entry_id})
    assert entry["status"] == "failed"
    assert entry["error"] == f"multiple_coins: {wallet.address} sent 9uother,5000000upokt"
    assert cluster.vault_sequence() == sequence
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE + 5_000_000


def test_a_payout_that_keeps_failing_on_chain_stops_within_its_fee_budget(
    cluster: ReleaseCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a burn to an account the bank never credits, on nodes that do not look at the
    # recipient first (so each release fails in its block, after paying its fee)
    monkeypatch.setattr(ReleaseCustodyBase, "check_recipient", lambda self, recipient: None)
    tx_hash = cluster.burn(3_000_000, FEE_COLLECTOR)
    cluster.watcher().run_once()

    # When the nodes run for as long as they would
    cluster.run(12)

    # Then it ends as unpayable after MAX_FAILED_RELEASES failed releases, and the vault paid
    # those fees and nothing else
    entry = _entry(cluster, BURNS, {"transaction_hash": tx_hash})
    assert entry["status"] == "failed"
    assert entry["error"].startswith(RELEASES_FAILED_ON_CHAIN)
    assert len(entry["retired_orders"]) == MAX_FAILED_RELEASES
    assert cluster.balance(FEE_COLLECTOR) == MAX_FAILED_RELEASES * FEE  # the fees, never the payout
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - MAX_FAILED_RELEASES * FEE
