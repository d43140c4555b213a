"""A burn tx that a reorg re-includes at another place (another block, another block-wide log
index) is the same burn: one entry, paid once (3-node, 2-of-3 multisig vault on anvil and the
Pocket simulator)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.burn.release_cluster import (
    ETH_CONFIRMATIONS,
    FEE,
    VAULT,
    VAULT_BALANCE,
    ReleaseCluster,
    recipient,
)
from wpokt_node.addresses import address_to_bytes
from wpokt_node.db.schema import BURNS
from wpokt_node.eth.client import ReceiptRecord
from wpokt_node.eth.transactions import SignedTransaction

pytestmark = pytest.mark.node

Document = dict[str, Any]


def _entry(cluster: ReleaseCluster, query: dict[str, Any]) -> Document:
    found = cluster.db[BURNS].find_one(query)
    assert found is not None, query
    return found


def _re_include_after_a_transfer(
    cluster: ReleaseCluster, fork_point: str, burn: SignedTransaction
) -> ReceiptRecord:
    """Revert to ``fork_point`` and mine ``burn`` (the same signed bytes) again behind a token
    transfer, so its block-wide log index changes; mined to the confirmation depth."""
    eth = cluster.eth
    eth.anvil.revert(fork_point)
    transfer = eth.sign_transfer(eth.admin, eth.holder_address, 1, outbid=burn)
    _, again = eth.mine_in_one_block(transfer, burn)
    eth.anvil.mine(ETH_CONFIRMATIONS - 1)
    return again


def test_paid_burn_re_included_by_a_deep_reorg_is_not_paid_again(cluster: ReleaseCluster) -> None:
    # Given a burn paid after its confirmations
    eth, to = cluster.eth, recipient("re-included after payout")
    eth.mint(eth.holder_address, 3_000_000)
    eth.mint(eth.admin_address, 10)
    fork_point = eth.anvil.snapshot()
    burn = eth.sign_burn(3_000_000, address_to_bytes(to))
    first = eth.include(burn)
    eth.anvil.mine(ETH_CONFIRMATIONS - 1)
    assert cluster.watcher().run_once()["inserted"] == 1
    cluster.run()
    paid = _entry(cluster, {"transaction_hash": first.transaction_hash})
    assert paid["status"] == "executed"
    assert cluster.balance(to) == 3_000_000 - FEE

    # When a reorg deeper than the confirmations re-includes the same tx at another log index
    again = _re_include_after_a_transfer(cluster, fork_point, burn)
    assert again.transaction_hash == first.transaction_hash
    assert again.logs[-1].log_index != first.logs[-1].log_index
    cluster.watcher().run_once()
    cluster.run(2)

    # Then it is still one burn, paid once
    docs = list(cluster.db[BURNS].find({"transaction_hash": first.transaction_hash}))
    assert [d["_id"] for d in docs] == [paid["_id"]]
    assert cluster.balance(to) == 3_000_000 - FEE
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 3_000_000
    assert paid["order"]["memo"] == f"burn:{first.transaction_hash}:0"


def test_detected_burn_re_included_elsewhere_is_paid_where_it_is_now(
    cluster: ReleaseCluster,
) -> None:
    # Given a burn recorded at the head, not yet confirmed
    eth, to = cluster.eth, recipient("re-included before confirmation")
    eth.mint(eth.holder_address, 2_000_000)
    eth.mint(eth.admin_address, 10)
    fork_point = eth.anvil.snapshot()
    burn = eth.sign_burn(2_000_000, address_to_bytes(to))
    first = eth.include(burn)
    assert cluster.watcher().run_once()["inserted"] == 1
    cluster.run()
    entry = _entry(cluster, {"transaction_hash": first.transaction_hash})
    assert (entry["status"], entry["log_index"]) == ("detected", first.logs[-1].log_index)

    # When a reorg re-includes it in another block at another log index
    again = _re_include_after_a_transfer(cluster, fork_point, burn)
    assert again.block_hash != first.block_hash
    assert again.logs[-1].log_index != first.logs[-1].log_index
    cluster.watcher().run_once()
    cluster.run(2)

    # Then the one entry records the burn's new place and is paid once
    docs = list(cluster.db[BURNS].find({"transaction_hash": first.transaction_hash}))
    assert [d["_id"] for d in docs] == [entry["_id"]]
    [fresh] = docs
    assert fresh["status"] == "executed"
    assert (fresh["burn_index"], fresh["log_index"]) == (0, again.logs[-1].log_index)
    assert (fresh["height"], fresh["block_hash"]) == (again.block_number, again.block_hash)
    assert cluster.balance(to) == 2_000_000 - FEE
    assert cluster.balance(VAULT.address()) == VAULT_BALANCE - 2_000_000
