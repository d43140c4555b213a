"""Entry point of the ``wpokt_node.commands`` group: every ``wpokt-node devnet ...`` command."""

from __future__ import annotations

from typing import Any

from wpokt_devnet import cli, cluster_cli, mongo_cli, setup_cli
from wpokt_devnet.containers import cli as containers_cli


def register(subparsers: Any) -> None:
    """Add the ``devnet`` group (pokt, up/down/deposit/burn/show/demo/round-trip, setup/compose,
    db-serve, image/cluster-test)."""
    for module in (cli, cluster_cli, setup_cli, mongo_cli, containers_cli):
        module.register(subparsers)
