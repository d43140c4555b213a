"""The mint flow against the production profile (the deployed wPOKT contracts' behaviour): the
token's mint fee on and off, its dust rule, and a validator removed after it signed."""

from __future__ import annotations

import pytest

from tests.fixtures.anvil import CHAIN_ID, FAST_RETRY
from tests.fixtures.mint_cluster import MintCluster, cluster_validators, recipient_address
from wpokt_devnet.anvil import DEV_KEYS
from wpokt_devnet.deploy import admin_calls, set_mint_fee
from wpokt_node.db import leases
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of

pytestmark = pytest.mark.node

COLLECTOR = "0x00000000000000000000000000000000000fee01"


def _fee(cluster: MintCluster, basis: int) -> None:
    admin = LocalKeySigner.from_hex(DEV_KEYS[0])
    set_mint_fee(cluster.eth, admin, cluster.deployment.token, basis, COLLECTOR)


def test_with_the_fee_on_a_mint_pays_the_net_amount_and_is_recorded_executed(
    production_mint_cluster: MintCluster,
) -> None:
    # Given the token's mint fee at 30 basis points
    cluster = production_mint_cluster
    _fee(cluster, 30)
    recipient = recipient_address(41)

    # When a deposit of 5 POKT is bridged
    tx_hash = cluster.deposit(5_000_000, recipient)
    cluster.watch(0)
    cluster.execute(0, 1, 2, passes=4)

    # Then the recipient got 5 wPOKT less 0.3 %, the collector the fee, and the entry (whose
    # signed amount is the gross one) is executed: the node matched Minted's net amount
    entry = cluster.mint(tx_hash)
    assert entry["status"] == "executed"
    assert cluster.token.balance_of(recipient) == 4_985_000
    assert cluster.token.balance_of(COLLECTOR) == 15_000
    assert cluster.token.total_supply() == 5_000_000


def test_a_dusty_amount_is_held_while_the_fee_is_on_and_minted_in_full_once_it_is_off(
    production_mint_cluster: MintCluster,
) -> None:
    # Given the fee on, and a deposit that is not a multiple of 10 000 base units
    cluster = production_mint_cluster
    _fee(cluster, 30)
    recipient = recipient_address(42)
    tx_hash = cluster.deposit(1_234_567, recipient)
    cluster.watch(0)

    # When the nodes run, then it waits in confirmed, without a nonce, saying why
    cluster.execute(0, 1, 2, passes=3)
    held = cluster.mint(tx_hash)
    assert (held["status"], held["nonce"], held["held"]) == ("confirmed", None, "fee_dust")
    assert "FeeBasisDust" in held["held_detail"]
    assert cluster.token.get_user_nonce(recipient) == 0

    # And once the fee is off it is minted in full
    _fee(cluster, 0)
    cluster.execute(0, 1, 2, passes=4)
    assert cluster.mint(tx_hash)["status"] == "executed"
    assert cluster.token.balance_of(recipient) == 1_234_567


def test_a_signature_of_a_validator_removed_after_signing_is_replaced(
    production_mint_cluster: MintCluster,
) -> None:
    # Given a mint signed by node-0 and node-1 (threshold 2 of 3), not yet submitted (the
    # executor lease held elsewhere meanwhile)
    cluster = production_mint_cluster
    recipient = recipient_address(43)
    tx_hash = cluster.deposit(2_000_000, recipient)
    cluster.watch(0)
    assert leases.acquire(cluster.db, "mint-executor", "elsewhere", 60)
    cluster.execute(0, 1)
    signed = cluster.mint(tx_hash)
    assert (signed["status"], sorted(signed["signers"])) == ("signed", ["node-0", "node-1"])

    # When the controller's admin removes node-0's key
    eth = EthClient(cluster.anvil.url, retry=FAST_RETRY)
    admin = TransactionSender(eth, LocalKeySigner.from_hex(DEV_KEYS[0]), CHAIN_ID)
    controller = ControllerContract(eth, cluster.deployment.controller)
    removed = eth_address_of(cluster_validators()[0].public_key)
    admin_calls(admin, [(controller.address, controller.encode("removeValidator", removed))])
    leases.release(cluster.db, "mint-executor", "elsewhere")
    cluster.execute(1, 2, passes=4)

    # Then the entry was signed again by node-2 and minted with current validators only
    entry = cluster.mint(tx_hash)
    assert entry["status"] == "executed"
    assert "node-2" in entry["signers"]
    assert cluster.token.balance_of(recipient) == 2_000_000
