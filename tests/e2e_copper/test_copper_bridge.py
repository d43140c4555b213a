"""End to end with Copper custody on the 12-node devnet (12 shards, 9 to sign): every payout
is one Copper order and one payout on chain; 3 nodes down still pay, 4 down do not; a Copper
order altered by a compromised account is refused by every node that has not co-signed yet;
Copper answering errors, losing answers or timing out never yields a second order or payout; a
stored order copied from a paid entry is restored, never taken for this entry's payout."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from pymongo.database import Database

from tests.e2e.helpers import (
    ENTRIES,
    NODES,
    entry,
    fresh_eth_address,
    status_of,
    wait_executed,
    wait_for,
    wait_for_passes,
    wpokt_balance,
)
from tests.e2e_copper.conftest import CopperSim
from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.demo import round_trip
from wpokt_node.custody.copper.orders import mint_payload
from wpokt_node.db.schema import BURNS, MINTS, Status
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.release_memo import burn_release_memo

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

Document = dict[str, Any]
FEE = 10_000


def _payout_orders(copper: CopperSim) -> dict[str, dict[str, Any]]:
    """Copper's orders by the (lower-case) hash of the payout tx each one broadcast."""
    found: dict[str, dict[str, Any]] = {}
    for order in copper.orders():
        tx = (order.get("extra") or {}).get("transactionId")
        if tx:
            assert tx.lower() not in found, f"two orders broadcast {tx}"
            found[tx.lower()] = order
    return found


def _executed(db: Database[Document]) -> list[Document]:
    return [e for c in ENTRIES for e in db[c].find({"status": Status.EXECUTED.value})]


def _order_of(copper: CopperSim, db: Database[Document], collection: str, tx: str) -> Document:
    """The one Copper order created for the entry of ``tx``, once there is one."""
    matching: list[Document] = []

    def created() -> bool:
        current = entry(db, collection, tx)
        if current is None or not current.get("order"):
            return False
        nonce = current["order"].get("nonce")
        payload = mint_payload(
            current["order"]["recipient"], int(current["order"]["amount"]), nonce
        )
        matching[:] = [o for o in copper.orders() if o["extra"].get("payload") == payload]
        return len(matching) == 1

    wait_for(f"the Copper order of {tx}", created, 120)
    return matching[0]


def test_round_trip_each_payout_is_one_copper_order_paid_once_on_chain(
    devnet: Devnet, db: Database[Document], copper: CopperSim
) -> None:
    round_trip(devnet, say=lambda _message: None, timeout_s=180)
    by_tx = _payout_orders(copper)
    executed = _executed(db)
    assert len(executed) >= 3
    for done in executed:
        order = by_tx.get(str(done["execution_tx_hash"]).lower())
        assert order is not None, f"{done['_id']} was paid by no Copper order"
        assert order["status"] == "executed"
        assert len(set(order["extra"]["coSigners"])) >= 9
    assert len(copper.orders()) == len(executed)  # no order without its payout


def test_three_nodes_killed_while_signing_still_pays(
    devnet: Devnet, db: Database[Document], copper: CopperSim
) -> None:
    recipient = fresh_eth_address()
    victims = ["node-10", "node-11", "node-12"]
    for node_id in victims:
        devnet.kill_node(node_id)
    txs = [deposit(devnet, 2_000_000 + i, recipient) for i in range(2)]
    for tx in txs:
        wait_executed(db, MINTS, tx)
    assert wpokt_balance(devnet, recipient) == 4_000_001
    pokt_user = str(devnet.state["pokt_user"])
    before = PocketClient(devnet.pokt_url).balance(pokt_user)
    paid = wait_executed(db, BURNS, burn(devnet, 1_000_000, pokt_user))
    assert PocketClient(devnet.pokt_url).balance(pokt_user) - before == 1_000_000 - FEE
    order = _payout_orders(copper)[str(paid["execution_tx_hash"]).lower()]
    shards = order["extra"]["coSigners"]  # the devnet names each shard after its node
    assert len(shards) >= 9
    assert not [s for s in shards for v in victims if f"-{v}-" in s]


def test_four_nodes_down_nothing_pays_an_altered_order_is_refused_then_the_true_one_pays(
    devnet: Devnet, db: Database[Document], copper: CopperSim
) -> None:
    recipient = fresh_eth_address()
    victims = ["node-01", "node-04", "node-07", "node-12"]
    for node_id in victims:
        devnet.kill_node(node_id)
    supply_before = snapshot(devnet).wpokt_supply
    tx = deposit(devnet, 4_000_000, recipient)
    order = _order_of(copper, db, MINTS, tx)
    live = [n for n in devnet.node_ids if n not in victims]

    def co_signed_by_every_live_node() -> bool:
        current = next(o for o in copper.orders() if o["orderId"] == order["orderId"])
        return len(current["extra"]["coSigners"]) == NODES - len(victims)

    wait_for("every live node to co-sign on Copper", co_signed_by_every_live_node, 120)
    wait_for_passes(db, "mint-executor", live)
    stuck = next(o for o in copper.orders() if o["orderId"] == order["orderId"])
    assert stuck["status"] == "part-signed-tx-added"
    assert not stuck["extra"].get("transactionId")
    assert status_of(db, MINTS, tx) == Status.STARTED.value
    assert wpokt_balance(devnet, recipient) == 0
    assert snapshot(devnet).wpokt_supply == supply_before

    # A compromised Copper account makes the order mint 100 times as much, in the order and in
    # the sign request the remaining co-signers would sign.
    minted = entry(db, MINTS, tx)
    assert minted is not None
    true_payload = stuck["extra"]["payload"]
    forged = mint_payload(recipient, 400_000_000, int(minted["nonce"]))
    copper.tamper(
        order["orderId"],
        {"extra.payload": forged, "extra.transactionRequest.payload": forged},
    )
    for node_id in victims:
        devnet.start_node(node_id)

    def every_returning_node_refused() -> bool:
        current = entry(db, MINTS, tx)
        return current is not None and set(victims) <= set(current.get("refusals") or {})

    wait_for("the returning nodes to refuse the altered order", every_returning_node_refused, 180)
    refusals = (entry(db, MINTS, tx) or {}).get("refusals") or {}
    assert all("payload" in refusals[n]["reason"] for n in victims)
    wait_for_passes(db, "mint-executor", victims)
    still = next(o for o in copper.orders() if o["orderId"] == order["orderId"])
    assert len(still["extra"]["coSigners"]) == NODES - len(victims)
    assert wpokt_balance(devnet, recipient) == 0

    # The account is recovered: the true order is co-signed by the returning nodes and pays.
    copper.tamper(
        order["orderId"],
        {"extra.payload": true_payload, "extra.transactionRequest.payload": true_payload},
    )
    wait_executed(db, MINTS, tx)
    assert wpokt_balance(devnet, recipient) == 4_000_000


def test_copper_errors_lost_answers_and_timeouts_never_make_a_second_order_or_payout(
    devnet: Devnet, db: Database[Document], copper: CopperSim
) -> None:
    orders_before = len(copper.orders())
    pokt_user, eth_user = str(devnet.state["pokt_user"]), str(devnet.state["eth_user"])
    pokt = PocketClient(devnet.pokt_url)
    pokt_before, wpokt_before = pokt.balance(pokt_user), wpokt_balance(devnet, eth_user)
    copper.faults(fail_next=4, commit_then_fail_next=6, delay_next_s=6.0, count=2)
    wait_executed(db, MINTS, deposit(devnet, 3_000_000, eth_user), 240)
    copper.faults(fail_next=3, commit_then_fail_next=4, delay_next_s=6.0, count=1)
    wait_executed(db, BURNS, burn(devnet, 2_000_000, pokt_user), 240)
    assert len(copper.orders()) == orders_before + 2
    assert pokt.balance(pokt_user) - pokt_before == (2_000_000 - FEE) - 3_000_000
    assert wpokt_balance(devnet, eth_user) - wpokt_before == 3_000_000 - 2_000_000


def test_a_burns_stored_order_copied_from_a_paid_burn_is_restored_and_pays_its_own_recipient(
    devnet: Devnet, db: Database[Document], copper: CopperSim
) -> None:
    eth_user, pokt_user = str(devnet.state["eth_user"]), str(devnet.state["pokt_user"])
    wait_executed(db, MINTS, deposit(devnet, 3_000_000, eth_user))
    first = wait_executed(db, BURNS, burn(devnet, 1_000_000, pokt_user))
    # A second burn held in `started`: 4 nodes down, 8 co-signers on its Copper order.
    victims = ["node-02", "node-05", "node-08", "node-11"]
    for node_id in victims:
        devnet.kill_node(node_id)
    recipient = pokt_address_of(LocalKeySigner(secrets.token_bytes(32)).public_key)
    second = burn(devnet, 1_500_000, recipient)
    memo = burn_release_memo(second, 0)

    def held_at_eight() -> bool:
        orders = [o for o in copper.orders() if o["extra"].get("memo") == memo]
        return len(orders) == 1 and len(orders[0]["extra"]["coSigners"]) == NODES - len(victims)

    wait_for("the second burn's order co-signed by the 8 live nodes", held_at_eight, 120)
    # The attacker copies the paid burn's order over the second's: the chain shows that
    # order paid, so a node that believed the database would record the second burn executed.
    db[BURNS].update_one({"transaction_hash": second}, {"$set": {"order": first["order"]}})
    for node_id in victims:
        devnet.start_node(node_id)
    done = wait_executed(db, BURNS, second)
    assert done["execution_tx_hash"] != first["execution_tx_hash"]
    assert done["order"]["memo"] == memo
    assert PocketClient(devnet.pokt_url).balance(recipient) == 1_500_000 - FEE
    refusals = done.get("refusals") or {}
    assert any("not this entry" in r["reason"] for r in refusals.values())
