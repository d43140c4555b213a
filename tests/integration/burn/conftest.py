"""The multisig release cluster's fixtures, shared by the release tests (a module may define its
own ``cluster``, e.g. the group vault's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from tests.fixtures.anvil import EthEnv
from tests.fixtures.pokt import PoktSimFactory
from tests.integration.burn.release_cluster import (
    ReleaseCluster,
    cluster_context,
    pokt_vault_genesis,
)
from wpokt_node.keys.signer import LocalKeySigner

Document = dict[str, Any]


@pytest.fixture
def vault_sim_url(pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]) -> str:
    """A Pocket simulator with the test users and the 2-of-3 vault funded."""
    return pokt_sim_factory(pokt_vault_genesis(pokt_users)).url


@pytest.fixture
def cluster(
    mongo_db: Database[Document],
    mongo_uri: str,
    eth_env: EthEnv,
    vault_sim_url: str,
    tmp_path: Path,
) -> Iterator[ReleaseCluster]:
    yield from cluster_context(mongo_db, mongo_uri, eth_env, vault_sim_url, tmp_path)
