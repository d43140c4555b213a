"""One live 12-node devnet whose vault is a (simulated) Copper vault for both chains: 12
shards, 9 to sign (docs/copper.md). After every test the bridge must become quiescent and its
invariants must hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pymongo.database import Database

from tests.e2e.helpers import every_entry_finished, running_devnet, wait_for
from wpokt_devnet.actions import snapshot
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.cluster_config import COPPER
from wpokt_devnet.invariants import check_invariants
from wpokt_node.db.client import connect

Document = dict[str, Any]


class CopperSim:
    """The simulator's test hooks (``/_sim/``, not Copper's API)."""

    def __init__(self, platform_url: str) -> None:
        self.url = platform_url

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, self.url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def orders(self) -> list[dict[str, Any]]:
        orders = self._call("GET", "/_sim/orders")["orders"]
        assert isinstance(orders, list)
        return orders

    def faults(self, **settings: Any) -> None:
        self._call("POST", "/_sim/faults", settings)

    def tamper(self, order_id: str, changes: dict[str, Any]) -> None:
        self._call("POST", "/_sim/tamper", {"orderId": order_id, "set": changes})

    def clear_faults(self) -> None:
        self.faults(fail_next=0, commit_then_fail_next=0, delay_next_s=0, count=0)


@pytest.fixture(scope="package")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    with running_devnet(tmp_path_factory.mktemp("copper"), "copper", custody=COPPER) as network:
        yield network


@pytest.fixture(scope="package")
def db(devnet: Devnet) -> Iterator[Database[Document]]:
    database = connect(devnet.mongodb_uri, devnet.database)
    yield database
    database.client.close()


@pytest.fixture(scope="package")
def copper(devnet: Devnet) -> CopperSim:
    return CopperSim(str(devnet.state["copper_platform_url"]))


@pytest.fixture(autouse=True)
def invariants_hold_afterwards(
    devnet: Devnet, db: Database[Document], copper: CopperSim
) -> Iterator[None]:
    yield
    copper.clear_faults()
    for node_id in devnet.node_ids:
        if not devnet.node_alive(node_id):
            devnet.start_node(node_id)
    wait_for("every entry to finish", every_entry_finished(db), 240)
    view = snapshot(devnet)
    report = check_invariants(db, wpokt_supply=view.wpokt_supply, vault_balance=view.vault_balance)
    assert report.ok, report.problems
