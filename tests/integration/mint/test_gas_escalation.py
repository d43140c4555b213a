"""Gas escalation on anvil: a mint tx stuck behind a rising base fee, or pending too long, is
replaced (same gas-account nonce, higher EIP-1559 fees, within the cap) instead of being sent
with the same bytes forever; the mint happens once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.mint_cluster import MintCluster, MintClusterFactory, recipient_address
from tests.integration.mint.test_mint_executor import to_signed
from wpokt_node.eth.transactions import decode_signed

pytestmark = pytest.mark.node

GWEI = 10**9


@pytest.fixture
def manual_mining(mint_cluster_factory: MintClusterFactory) -> Iterator[MintClusterFactory]:
    """Blocks only when the test mines one (anvil's automine off), restored afterwards."""
    clusters: list[MintCluster] = []

    def build(**options: Any) -> MintCluster:
        cluster: MintCluster = mint_cluster_factory(**options)
        cluster.eth.request("evm_setAutomine", [False])
        clusters.append(cluster)
        return cluster

    yield build
    for cluster in clusters:
        cluster.eth.request("evm_setAutomine", [True])
        cluster.eth.request("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
        cluster.eth.request("evm_mine", [])


def mine(cluster: MintCluster, base_fee: int | None = None) -> None:
    if base_fee is not None:
        cluster.eth.request("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
    cluster.eth.request("evm_mine", [])


def sent(cluster: MintCluster, tx_hash: str) -> dict[str, Any]:
    """The entry after node 0 (the executor) has recorded and broadcast its mint tx, not yet
    mined."""
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert entry["status"] == "signed"
    assert entry["execution_tx_hash"] is not None
    assert cluster.eth.receipt(entry["execution_tx_hash"]) is None
    return entry


def minted_once_by(
    cluster: MintCluster, tx_hash: str, recipient: str, *, new: str, old: str, amount: int
) -> None:
    """After a block: the entry executed by ``new``, ``old`` never mined, ``amount`` minted
    once."""
    mine(cluster)
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["execution_tx_hash"]) == ("executed", new)
    assert cluster.eth.receipt(old) is None
    assert cluster.token.get_user_nonce(recipient) == 1
    assert cluster.token.balance_of(recipient) == amount


def test_a_mint_priced_out_by_a_rising_base_fee_is_replaced_and_minted_once(
    manual_mining: MintClusterFactory,
) -> None:
    # Given node 0's mint tx waiting in the pool
    cluster = manual_mining()
    recipient = recipient_address(40)
    tx_hash = to_signed(cluster, 4_000_000, recipient)
    first = sent(cluster, tx_hash)
    old = decode_signed(bytes.fromhex(first["execution_tx_raw"].removeprefix("0x")))
    # When the base fee rises above what it offers before it is mined (anvil drops it)
    mine(cluster, base_fee=old.max_fee_per_gas * 4)
    assert cluster.eth.receipt(old.tx_hash) is None
    # Then node 0 replaces it: recorded first, same gas nonce, fees above the new base fee
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    new = decode_signed(bytes.fromhex(entry["execution_tx_raw"].removeprefix("0x")))
    assert entry["execution_tx_hash"] == new.tx_hash != old.tx_hash
    assert (new.sender, new.nonce, new.data) == (old.sender, old.nonce, old.data)
    assert entry["execution_tx_nonce"] == old.nonce
    assert new.max_fee_per_gas >= old.max_fee_per_gas * 4
    assert new.tip >= old.tip * 5 // 4
    # And once mined, the entry is executed by the replacement; the old tx never lands
    minted_once_by(cluster, tx_hash, recipient, new=new.tx_hash, old=old.tx_hash, amount=4_000_000)


def test_a_mint_pending_too_long_is_replaced_with_bumped_fees(
    manual_mining: MintClusterFactory,
) -> None:
    # Given a node that replaces a mint pending for more than a moment
    quick = {"ethereum": {"gas_escalate_after_s": 0.001, "gas_bump_percent": 30}}
    cluster = manual_mining(overrides=[quick, None, None])
    recipient = recipient_address(41)
    tx_hash = to_signed(cluster, 2_000_000, recipient)
    first = sent(cluster, tx_hash)
    old = decode_signed(bytes.fromhex(first["execution_tx_raw"].removeprefix("0x")))
    # When it runs again with the tx still unmined (the base fee unchanged)
    cluster.execute(0)
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    new = decode_signed(bytes.fromhex(entry["execution_tx_raw"].removeprefix("0x")))
    # Then each replacement bumped both fees by 30 % over the one it replaced
    assert new.nonce == old.nonce
    assert new.max_fee_per_gas >= old.max_fee_per_gas * 13 // 10
    assert new.tip >= old.tip * 13 // 10
    # And the pool kept only the last one: one mint
    minted_once_by(cluster, tx_hash, recipient, new=new.tx_hash, old=old.tx_hash, amount=2_000_000)


def test_no_replacement_above_the_fee_cap_until_the_base_fee_falls(
    manual_mining: MintClusterFactory,
) -> None:
    # Given a node whose mint tx may offer at most 10 gwei
    capped = {"ethereum": {"max_fee_per_gas_wei": 10 * GWEI}}
    cluster = manual_mining(overrides=[capped, None, None])
    recipient = recipient_address(42)
    tx_hash = to_signed(cluster, 3_000_000, recipient)
    first = sent(cluster, tx_hash)
    # When the base fee rises to 50 gwei: no replacement may be made within the cap
    mine(cluster, base_fee=50 * GWEI)
    cluster.execute(0)
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert entry["execution_tx_hash"] == first["execution_tx_hash"]
    assert entry["execution_tx_raw"] == first["execution_tx_raw"]
    assert cluster.token.get_user_nonce(recipient) == 0
    # Then when it falls back, the same bytes are sent again and minted once
    mine(cluster, base_fee=GWEI)
    cluster.execute(0)
    mine(cluster)
    cluster.execute(0)
    entry = cluster.mint(tx_hash)
    assert (entry["status"], entry["execution_tx_hash"]) == ("executed", first["execution_tx_hash"])
    assert cluster.token.get_user_nonce(recipient) == 1
    assert cluster.token.balance_of(recipient) == 3_000_000
