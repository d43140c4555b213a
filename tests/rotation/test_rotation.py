"""One node's validator and vault-member keys rotated on a running devnet while the other
nodes keep bridging (docs/runbooks/rotate-node-key.md, ``wpokt-devnet rotation``). A 4-node /
threshold-3 devnet: the rolling restarts go one node at a time there, and the procedure is the
same for 12 / 9 (three at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo.database import Database

from tests.e2e.helpers import fresh_eth_address, running_devnet, wait_executed, wait_for
from wpokt_devnet import rotation
from wpokt_devnet.actions import burn, deposit
from wpokt_devnet.cluster import Devnet
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS
from wpokt_node.db.schema import NODES as NODE_STATE

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

Document = dict[str, Any]
NODES, THRESHOLD = 4, 3


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Devnet, Database[Document]]]:
    with running_devnet(tmp_path_factory.mktemp("rotation"), "rotation", nodes=NODES,
                        threshold=THRESHOLD) as network:  # fmt: skip
        db = connect(network.mongodb_uri, network.database)
        yield network, db
        db.client.close()


def test_one_nodes_keys_are_rotated_while_the_others_keep_bridging(
    small: tuple[Devnet, Database[Document]],
) -> None:
    devnet, db = small
    eth_user, pokt_user = str(devnet.state["eth_user"]), str(devnet.state["pokt_user"])
    node = devnet.node_ids[-1]
    turn = rotation.plan(devnet, node)
    # Given every node told of the new keys (a rolling restart, T nodes up at all times)
    rotation.announce(devnet, turn, print)
    wait_executed(db, MINTS, deposit(devnet, 5_000_000, eth_user))  # the burns below spend it
    # When the chains swap the validator and the vault member: the node's old keys no longer
    # count, the N - 1 others keep paying
    rotation.change_chains(devnet, turn, print)
    paid = burn(devnet, 1_500_000, pokt_user).lower()
    minted = deposit(devnet, 2_000_000, eth_user)
    wait_executed(db, BURNS, paid)
    wait_executed(db, MINTS, minted)
    # (the governance watch re-reads the chains every 5 s on the devnet)
    wait_for(f"only {node} to hold its signing", lambda: holds(db) == {node}, 60)
    # And the node restarts with its new keys: with N - T others stopped, nothing is paid
    # unless it signs and votes with them
    rotation.switch_node(devnet, turn, print)
    stopped = devnet.node_ids[: NODES - THRESHOLD]
    for node_id in stopped:
        devnet.stop_node(node_id)
    try:
        mint = wait_executed(db, MINTS, deposit(devnet, 2_500_000, fresh_eth_address()))
        burned = wait_executed(db, BURNS, burn(devnet, 1_200_000, pokt_user).lower())
    finally:
        for node_id in stopped:
            devnet.start_node(node_id)
    assert node in mint["signers"]
    assert turn.address("new") in {s["signer"] for s in mint["signatures"]}
    assert node in burned["signers"]
    # Then every config names the new keys and no node holds its signing
    rotation.promote(devnet, turn, print)
    wait_for("no node to hold its signing", lambda: holds(db) == set(), 60)
    wait_executed(db, MINTS, deposit(devnet, 1_000_000, fresh_eth_address()))


def holds(db: Database[Document]) -> set[str]:
    """The nodes whose workers report a signing hold (``hold`` in their heartbeats)."""
    return {
        str(doc["node_id"])
        for doc in db[NODE_STATE].find({}, projection={"node_id": 1, "workers": 1})
        if any((w or {}).get("hold") for w in (doc.get("workers") or {}).values())
    }
