"""Burn returns on a 3-node, 2-of-3 cluster (anvil + the Pocket simulator, every worker of every
node): a burn whose Pocket recipient can never be paid fails before any fee and its wPOKT is
minted back to the burner, once; a forged one is never signed; a node that signed a release of
a burn never signs its return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from pymongo.database import Database

from tests.fixtures.anvil import CHAIN_ID, double_burner_code
from tests.fixtures.mint_cluster import USER_ETH_KEY, MintCluster, MintClusterFactory
from tests.integration.burn.release_cluster import recipient
from wpokt_devnet.invariants import check_invariants
from wpokt_devnet.pokt_sim.ante import FEE_COLLECTOR
from wpokt_node.addresses import address_to_bytes
from wpokt_node.burn.executor import release_executor
from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.db.models import Entry, new_entry
from wpokt_node.db.schema import BURNS, MINTS
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of
from wpokt_node.payout.machine import PayoutMachine
from wpokt_node.pokt.release_order import order_document
from wpokt_node.pokt.release_spec import ReleaseSpec

pytestmark = pytest.mark.node

Document = dict[str, Any]
BURNER = LocalKeySigner.from_hex(USER_ETH_KEY)
FUNDED = 5_000_000
BURNED = 3_000_000


@dataclass
class ReturnCluster:
    """The mint cluster with every node's release executor and node 0's burn watcher."""

    mint: MintCluster
    releasers: list[PayoutMachine]
    burn_watcher: BurnWatcherTask

    @property
    def db(self) -> Database[Document]:
        return self.mint.db

    @property
    def burner(self) -> str:
        return eth_address_of(BURNER.public_key)

    def round(self) -> None:
        """One pass of every worker of every node."""
        self.mint.watch(0)
        self.burn_watcher.run_once()
        for releaser in self.releasers:
            releaser.run_once()
        self.mint.execute(0, 1, 2)

    def run_until(self, fact: Callable[[], bool], rounds: int = 8) -> None:
        for _ in range(rounds):
            if fact():
                return
            self.round()
        assert fact(), f"not reached in {rounds} rounds"

    def fund(self, holder: str, amount: int) -> None:
        """``amount`` wPOKT minted to ``holder`` from a deposit, by the cluster."""
        tx_hash = self.mint.deposit(amount, holder)
        query = {"transaction_hash": tx_hash, "status": "executed"}
        self.run_until(lambda: self.db[MINTS].find_one(query) is not None)

    def burn(self, amount: int, to: str) -> str:
        call = self.mint.token.encode(
            "burnAndBridge", amount, to_checksum_address(address_to_bytes(to))
        )
        return self._send(self.mint.deployment.token, call, "burn")

    def _send(self, to: str | None, data: bytes, what: str) -> str:
        sender = TransactionSender(self.mint.eth, BURNER, CHAIN_ID)
        return sender.send(to, data, 400_000, what).transaction_hash

    def deploy_double_burner(self) -> str:
        tx_hash = self._send(None, double_burner_code(self.mint.deployment.token), "deploy")
        raw = self.mint.eth.request("eth_getTransactionReceipt", [tx_hash])
        return str(to_checksum_address(raw["contractAddress"]))

    def returns(self) -> list[Document]:
        return list(self.db[MINTS].find({"source": "burn_return"}).sort("burn_index", 1))

    def returned(self, tx_hash: str, status: str, count: int = 1) -> Callable[[], bool]:
        def fact() -> bool:
            found = [r for r in self.returns() if r["transaction_hash"] == tx_hash]
            return len(found) == count and all(r["status"] == status for r in found)

        return fact

    def vault_balance(self) -> int:
        return self.mint.nodes[0].context.pokt.balance(self.mint.vault)

    def vault_sequence(self) -> int:
        account = self.mint.nodes[0].context.pokt.account(self.mint.vault)
        return 0 if account is None else account.sequence


@pytest.fixture
def cluster(mint_cluster_factory: MintClusterFactory) -> ReturnCluster:
    mint: MintCluster = mint_cluster_factory()
    releasers = [
        release_executor(
            settings=node.context.settings,
            db=mint.db,
            journal=node.context.journal,
            pokt=node.context.pokt,
            eth=node.context.eth,
            pokt_signer=node.context.signer("pokt_signer"),
            paused=node.context.paused,
        )
        for node in mint.nodes
    ]
    settings = mint.nodes[0].context.settings
    claims = mint.nodes[0].context.claims  # node 0's executors check what its watcher offers
    watcher = BurnWatcher(mint.db, settings.node_id, mint.eth, settings.ethereum, claims=claims)
    return ReturnCluster(mint, releasers, BurnWatcherTask(watcher, returns_every_s=0))


def _burn_entry(cluster: ReturnCluster, tx_hash: str) -> Document:
    found = cluster.db[BURNS].find_one({"transaction_hash": tx_hash})
    assert found is not None, tx_hash
    return found


def test_a_burn_to_a_module_account_is_minted_back_to_the_burner_once(
    cluster: ReturnCluster,
) -> None:
    # Given a burner holding 5 wPOKT minted from a deposit into the vault
    cluster.fund(cluster.burner, FUNDED)
    vault_balance, vault_sequence = cluster.vault_balance(), cluster.vault_sequence()

    # When it burns 3 wPOKT to the fee collector (a module account) and the nodes run
    tx_hash = cluster.burn(BURNED, FEE_COLLECTOR)
    cluster.run_until(cluster.returned(tx_hash, "executed"))

    # Then the burn failed before any fee, and the same 3 wPOKT were minted back to the burner
    burn = _burn_entry(cluster, tx_hash)
    assert (burn["status"], burn["error"]) == ("failed", "recipient_is_module_account")
    [returned] = cluster.returns()
    assert {k: returned[k] for k in ("transaction_hash", "burn_index", "amount", "reason")} == {
        "transaction_hash": tx_hash,
        "burn_index": 0,
        "amount": str(BURNED),
        "reason": "recipient_is_module_account",
    }
    assert (returned["to_address"], returned["burn_recipient"]) == (cluster.burner, FEE_COLLECTOR)
    assert returned["source_event"] == f"eth:{tx_hash}:0"
    assert len(returned["signers"]) >= 2
    assert cluster.mint.token.balance_of(cluster.burner) == FUNDED
    assert cluster.mint.token.get_user_nonce(cluster.burner) == 2  # the deposit's, the return's
    # And the vault neither paid nor signed anything
    assert (cluster.vault_balance(), cluster.vault_sequence()) == (vault_balance, vault_sequence)

    # And more rounds change nothing: returned once
    cluster.round()
    cluster.round()
    assert len(cluster.returns()) == 1
    assert cluster.mint.token.balance_of(cluster.burner) == FUNDED

    # And the bridge's books balance: the return is an executed mint, no deposit
    report = check_invariants(
        cluster.db,
        wpokt_supply=cluster.mint.token.total_supply(),
        vault_balance=cluster.vault_balance(),
    )
    assert report.ok, report.problems
    assert report.figures["returned"] == BURNED


def test_a_return_marked_executed_before_it_was_minted_is_reopened_and_minted(
    cluster: ReturnCluster,
) -> None:
    # Given a burn to a module account whose return a database writer marks executed at once
    cluster.fund(cluster.burner, FUNDED)
    cluster.burn(BURNED, FEE_COLLECTOR)
    for _ in range(8):  # the burn fails and its return is recorded; no mint executor runs
        cluster.burn_watcher.run_once()
        for releaser in cluster.releasers:
            releaser.run_once()
        if cluster.returns():
            break
    [returned] = cluster.returns()
    assert returned["status"] == "detected"
    fake = {"status": "executed", "execution_tx_hash": "0x" + "ab" * 32}
    cluster.db[MINTS].update_one({"_id": returned["_id"]}, {"$set": fake})

    # When the burn watcher re-scans its window and the nodes run
    cluster.burn_watcher.watcher._last_rescan = None  # the re-scan is due now
    cluster.run_until(lambda: cluster.mint.token.balance_of(cluster.burner) == FUNDED)

    # Then the return was re-opened and minted, once
    [fresh] = cluster.returns()
    assert fresh["execution_tx_hash"] != fake["execution_tx_hash"]
    assert fresh["repaired"]["claimed_execution"] == fake["execution_tx_hash"]


def test_two_burns_in_one_tx_are_two_returns(cluster: ReturnCluster) -> None:
    # Given a contract holding 2 wPOKT that burns twice in one call
    burner = cluster.deploy_double_burner()
    cluster.fund(burner, 2_000_000)

    # When one tx burns 1 wPOKT twice to the fee collector and the nodes run
    collector = to_checksum_address(address_to_bytes(FEE_COLLECTOR))
    call = cluster.mint.token.encode("burnAndBridge", 1_000_000, collector) * 2
    tx_hash = cluster._send(burner, call, "double burn")
    cluster.run_until(cluster.returned(tx_hash, "executed", count=2))

    # Then each burn was returned once: the contract holds its 2 wPOKT again
    assert [(r["burn_index"], r["amount"]) for r in cluster.returns()] == [
        (0, "1000000"),
        (1, "1000000"),
    ]
    assert cluster.mint.token.balance_of(burner) == 2_000_000


def _forge_failed_payable_burn(cluster: ReturnCluster) -> str:
    """A real burn to an address that can be paid, failed in the database as unpayable."""
    tx_hash = cluster.burn(BURNED, recipient("payable burn recipient"))
    cluster.burn_watcher.run_once()
    cluster.db[BURNS].update_one(
        {"transaction_hash": tx_hash},
        {"$set": {"status": "failed", "error": "recipient_is_module_account"}},
    )
    return tx_hash


def _forge_failed_absent_burn(cluster: ReturnCluster) -> str:
    """A failed burn in the database that no tx on chain made."""
    tx_hash = "0x" + "5e" * 32
    document = new_entry(
        transaction_hash=tx_hash,
        height=cluster.mint.eth.block_number(),
        from_address=cluster.burner,
        to_address=FEE_COLLECTOR,
        amount=BURNED,
        burn_index=0,
        log_index=0,
        block_hash="0x" + "00" * 32,
        sequence=None,
    )
    cluster.db[BURNS].insert_one(
        {**document, "status": "failed", "error": "recipient_is_module_account"}
    )
    return tx_hash


@pytest.mark.parametrize(
    ("forge", "why"),
    [
        (_forge_failed_payable_burn, "can be paid: only a burn whose recipient never can"),
        (_forge_failed_absent_burn, "burn log gone: transaction not found"),
    ],
)
def test_a_forged_failed_burn_gets_no_return(
    cluster: ReturnCluster, forge: Callable[[ReturnCluster], str], why: str
) -> None:
    # Given a burner holding 5 wPOKT, and a burn failed in the database as unpayable, whose
    # recipient is payable or which no tx made
    cluster.fund(cluster.burner, FUNDED)
    tx_hash = forge(cluster)
    balance = cluster.mint.token.balance_of(cluster.burner)

    # When the nodes run
    cluster.run_until(cluster.returned(tx_hash, "failed"))

    # Then its return failed saying why, nobody signed it, and nothing was minted
    [returned] = cluster.returns()
    assert returned["error"].startswith("source gone: ")
    assert why in returned["error"]
    assert (returned["signers"], returned.get("nonce")) == ([], None)
    assert cluster.mint.token.balance_of(cluster.burner) == balance
    assert cluster.mint.token.get_user_nonce(cluster.burner) == 1


def test_a_forged_started_return_of_a_payable_burn_gathers_no_signature(
    cluster: ReturnCluster,
) -> None:
    # Given a return recorded straight into the database at `started`, with an order and a
    # nonce, for a real burn to an address that can be paid
    cluster.fund(cluster.burner, FUNDED)
    tx_hash = _forge_failed_payable_burn(cluster)
    cluster.db[BURNS].update_one({"transaction_hash": tx_hash}, {"$set": {"status": "executed"}})
    burn = _burn_entry(cluster, tx_hash)
    forged = {
        **new_entry(
            transaction_hash=tx_hash, height=burn["height"], from_address=cluster.burner,
            to_address=cluster.burner, amount=BURNED, source="burn_return",
            source_event=f"eth:{tx_hash}:0", burn_index=0, burn_recipient=burn["to_address"],
            reason="recipient_is_module_account",
        ),
        "status": "started",
        "nonce": 2,
        "order": cluster.mint.nodes[0].custody.domain.order(cluster.burner, BURNED, 2),
    }  # fmt: skip
    cluster.db[MINTS].insert_one(forged)

    # When the nodes run
    cluster.run_until(cluster.returned(tx_hash, "failed"))

    # Then every node that looked refused it, it failed saying why, and nothing was minted
    fresh = cluster.db[MINTS].find_one({"_id": forged["_id"]})
    assert fresh is not None
    assert fresh["signers"] == []
    assert "can be paid" in fresh["error"]
    refusals = fresh.get("refusals", {})
    assert refusals, "no node recorded why it did not sign"
    assert all("can be paid" in r["reason"] for r in refusals.values())
    assert cluster.mint.token.get_user_nonce(cluster.burner) == 1


def test_a_node_that_signed_a_release_of_a_burn_never_signs_its_return(
    cluster: ReturnCluster,
) -> None:
    # Given a burn to the fee collector, and node 0 whose journal holds a release payload it
    # signed for that burn (as a node that did not check recipients would have)
    cluster.fund(cluster.burner, FUNDED)
    tx_hash = cluster.burn(BURNED, FEE_COLLECTOR)
    cluster.burn_watcher.run_once()
    burn = Entry.from_document(BURNS, _burn_entry(cluster, tx_hash))
    release_custody = cluster.releasers[0].custodies[BURNS]
    release = order_document(
        ReleaseSpec(
            chain_id="pocket", account_number=0, sequence=0, vault_address=cluster.mint.vault,
            recipient=FEE_COLLECTOR, amount=BURNED - 20_000,
            memo=f"burn:{tx_hash}:0", fee_amount=20_000, gas_limit=400_000,
        )
    )  # fmt: skip
    event = release_custody.source_event(burn)
    release_hash = release_custody.payload_hash(release)
    assert cluster.mint.nodes[0].context.journal.authorize(event, release_hash, "release").may_sign

    # When the nodes run
    cluster.run_until(cluster.returned(tx_hash, "executed"))

    # Then node 0 refused to sign the return (its journal binds the burn to the release), and
    # the two others returned it
    [returned] = cluster.returns()
    assert sorted(returned["signers"]) == ["node-1", "node-2"]
    assert "signing journal" in returned["refusals"]["node-0"]["reason"]
    assert cluster.mint.token.balance_of(cluster.burner) == FUNDED
    # And the nodes that signed the return would refuse a release of the burn
    for node in cluster.mint.nodes[1:]:
        assert not node.context.journal.authorize(event, release_hash, "release").may_sign
