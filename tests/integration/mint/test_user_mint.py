"""A user completes their own mint from what the frontend shows (its "resume wrap" flow:
``mintWrappedPocket(data, signatures)`` with the view document's fields as they are), before
the cluster submits and while it does; the entry ends executed with the user's tx, the
cluster never sends a second attempt and raises no failed-mint alert (3 nodes, threshold 2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo.database import Database
from structlog.testing import capture_logs

from tests.fixtures.anvil import CHAIN_ID
from tests.fixtures.mint_cluster import GAS_KEYS, USER_ETH_KEY, MintCluster, recipient_address
from tests.frontend_contract import MINT, FrontendQueries, problems
from wpokt_node.db import leases
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.transactions import FeePolicy, TransactionSender
from wpokt_node.frontend import MINT_PROJECTIONS, FrontendView, view_facts
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of
from wpokt_node.logs import get_logger

pytestmark = pytest.mark.node

Document = dict[str, Any]


@pytest.fixture
def view(mint_cluster: MintCluster) -> Iterator[FrontendView]:
    db = mint_cluster.db
    frontend: Database[Document] = db.client[f"{db.name}_frontend"]
    facts = view_facts(mint_cluster.nodes[0].context.settings)
    yield FrontendView(db, frontend, facts, MINT_PROJECTIONS)
    db.client.drop_database(frontend.name)


def _shown(view: FrontendView, recipient: str) -> Document:
    """The user's mint as the frontend's ``/api/mints/active`` finds it after a view round."""
    view.sync()
    queries = FrontendQueries(view.view, view.facts.wpokt_address, view.facts.vault_address)
    [shown] = queries.mints_from_recipient(recipient)
    assert problems(MINT, shown) == []
    return shown


def _signed_and_shown(cluster: MintCluster, view: FrontendView, recipient: str) -> Document:
    """Given a deposit signed by nodes 0 and 1 while the executor lease is held elsewhere."""
    tx_hash = cluster.deposit(3_000_000, recipient)
    cluster.watch(0)
    assert leases.acquire(cluster.db, "mint-executor", "elsewhere", 60)
    cluster.execute(0, 1)
    shown = _shown(view, recipient)
    assert shown["status"] == "signed"
    assert shown["transaction_hash"] == "0x" + tx_hash.lower()
    return shown


def _user_call(cluster: MintCluster, shown: Document) -> bytes:
    """What the frontend's MintModal / ResumeWrapModal pass: ``[data, signatures]``."""
    data = shown["data"]
    return cluster.controller.encode_mint(
        MintData(data["recipient"], int(data["amount"]), int(data["nonce"])),
        [bytes.fromhex(s.removeprefix("0x")) for s in shown["signatures"]],
    )


def _gas_nonce(cluster: MintCluster, node: int) -> int:
    address = eth_address_of(LocalKeySigner.from_hex(GAS_KEYS[node]).public_key)
    return int(cluster.eth.request("eth_getTransactionCount", [address, "latest"]), 16)


def test_a_user_who_mints_first_ends_the_entry_and_the_cluster_sends_nothing(
    mint_cluster: MintCluster, view: FrontendView
) -> None:
    recipient = recipient_address(40)
    shown = _signed_and_shown(mint_cluster, view, recipient)

    # When the user submits it from the view, then the executor lease comes to node 0
    user = TransactionSender(mint_cluster.eth, LocalKeySigner.from_hex(USER_ETH_KEY), CHAIN_ID)
    receipt = user.send(mint_cluster.deployment.controller, _user_call(mint_cluster, shown),
                        400_000, "user mint")  # fmt: skip
    leases.release(mint_cluster.db, "mint-executor", "elsewhere")
    gas_before = _gas_nonce(mint_cluster, 0)
    mint_cluster.execute(0, 1, 2)

    # Then the entry is executed with the user's tx; the cluster sent nothing
    done = _shown(view, recipient)
    assert (done["status"], done["mint_tx_hash"]) == ("success", receipt.transaction_hash)
    assert _gas_nonce(mint_cluster, 0) == gas_before
    assert mint_cluster.token.balance_of(recipient) == 3_000_000


def test_a_user_who_mints_while_the_cluster_submits_wins_without_a_failed_mint(
    mint_cluster: MintCluster, view: FrontendView
) -> None:
    recipient = recipient_address(41)
    shown = _signed_and_shown(mint_cluster, view, recipient)
    leases.release(mint_cluster.db, "mint-executor", "elsewhere")
    anvil = mint_cluster.anvil
    gas_before = _gas_nonce(mint_cluster, 0)
    anvil.rpc("evm_setAutomine", False)
    try:
        # When node 0 broadcasts its execution tx and the user's, with a higher tip, goes into
        # the same block ahead of it
        mint_cluster.execute(0)
        recorded = mint_cluster.mint(shown["transaction_hash"][2:].upper())
        assert recorded["execution_tx_hash"] is not None
        fees = FeePolicy(priority_fee_wei=50 * 10**9)
        user = TransactionSender(
            mint_cluster.eth, LocalKeySigner.from_hex(USER_ETH_KEY), CHAIN_ID, fees
        )
        signed = user.sign(mint_cluster.deployment.controller, _user_call(mint_cluster, shown),
                           400_000)  # fmt: skip
        user.broadcast(signed)
        anvil.mine(1)
    finally:
        anvil.rpc("evm_setAutomine", True)
    cluster_receipt = mint_cluster.eth.receipt(str(recorded["execution_tx_hash"]))
    assert cluster_receipt is not None
    assert cluster_receipt.status == 0  # the nonce was the user's by then

    # Then the nodes record the user's tx, fail nothing, alert nobody and send no second attempt
    with capture_logs() as logged:
        get_logger("test").error("probe", alert=True)
        mint_cluster.execute(0, 1, 2, passes=2)
    assert [e["event"] for e in logged if e.get("alert")] == ["probe"]
    done = _shown(view, recipient)
    assert (done["status"], done["mint_tx_hash"]) == ("success", signed.tx_hash)
    entry = mint_cluster.mint(shown["transaction_hash"][2:].upper())
    assert entry["status"] == "executed"
    assert entry.get("error") is None
    assert _gas_nonce(mint_cluster, 0) == gas_before + 1
    assert mint_cluster.token.balance_of(recipient) == 3_000_000
