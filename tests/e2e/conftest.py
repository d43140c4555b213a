"""One live 12-node devnet for this package, shared by the e2e and adversarial tests (it
takes well over a minute to start on a small machine), and the ids of the entries the
adversarial tests forged, which the e2e checks leave out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.e2e.helpers import running_devnet
from wpokt_devnet.cluster import Devnet
from wpokt_node.db.client import connect

Document = dict[str, Any]


@pytest.fixture(scope="package")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    with running_devnet(tmp_path_factory.mktemp("live"), "live", metrics=True) as network:
        yield network


@pytest.fixture(scope="package")
def db(devnet: Devnet) -> Iterator[Database[Document]]:
    database = connect(devnet.mongodb_uri, devnet.database)
    yield database
    database.client.close()


@pytest.fixture(scope="package")
def forged_entries() -> set[ObjectId]:
    """Entries an attacker wrote into the live devnet's database: no source event stands
    behind them, and they end ``failed``."""
    return set()
