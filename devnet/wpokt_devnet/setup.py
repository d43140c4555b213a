"""Prepare a devnet cluster whose processes something else starts (the docker-compose cluster).

``setup_cluster`` does what ``devnet up`` does except starting processes: it deploys the
contracts on a running anvil, generates every key, writes the Pocket simulator's genesis (the
simulator starts after it), initialises the database and writes one directory per node (its
config and encrypted keystores) with the paths the node will see. The state file it writes
last is the same ``devnet.json`` as ``devnet up``'s, so ``devnet deposit|burn|show --dir``
work against the cluster from any container on its network.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from wpokt_devnet.cluster import KEYS_FILE, STATE_FILE, Devnet, DevnetError, options_json
from wpokt_devnet.cluster_config import (
    GROUP,
    DevnetOptions,
    NodeEndpoints,
    deploy_cluster_contracts,
    generate_keys,
    node_settings,
    pokt_genesis,
    write_keystores,
)
from wpokt_devnet.pokt_sim.group import policy_address
from wpokt_devnet.processes import write_private
from wpokt_node.db.bootstrap import init_db
from wpokt_node.db.client import connect
from wpokt_node.errors import DatabaseError


@dataclass(frozen=True, slots=True)
class ClusterLayout:
    """Where ``setup_cluster`` writes, and what the services see."""

    state_dir: Path  # devnet.json + keys.json (operator/test tooling only)
    nodes_dir: Path  # <nodes_dir>/<node_id>/ is mounted into that node at node_root
    genesis_file: Path  # read by the Pocket simulator
    eth_url: str
    pokt_url: str
    mongodb_uri: str  # written into every node config
    init_db_uri: str  # used once here to create collections, indexes and validators
    database: str = "wpokt"
    node_root: Path = Path("/etc/wpokt")
    journal_path: Path = Path("/var/lib/wpokt/journal.sqlite3")
    pokt_state_file: Path = Path("/var/lib/pokt-sim/state.json")


def is_set_up(state_dir: Path) -> bool:
    return (state_dir / STATE_FILE).is_file()


def setup_cluster(
    layout: ClusterLayout,
    options: DevnetOptions,
    say: Callable[[str], None] = lambda _message: None,
    ready_timeout_s: float = 120.0,
) -> Devnet:
    """Deploy, generate and write everything for ``options.nodes`` nodes; return the state."""
    try:
        options.check()
    except ValueError as exc:
        raise DevnetError(str(exc)) from None
    node_ids = [f"node-{i:02d}" for i in range(1, options.nodes + 1)]
    for directory in (layout.state_dir, layout.nodes_dir, layout.genesis_file.parent):
        directory.mkdir(parents=True, exist_ok=True)
    _wait_for("anvil", lambda: _eth_answers(layout.eth_url), ready_timeout_s)
    say(f"anvil answers at {layout.eth_url}")

    keys = generate_keys(node_ids)
    write_private(layout.state_dir / KEYS_FILE, json.dumps(keys, indent=2))
    facts = deploy_cluster_contracts(layout.eth_url, keys, node_ids, options, say)

    genesis = pokt_genesis(options, facts, layout.pokt_state_file)
    if options.custody == GROUP:
        # The simulator starts after this one-shot, so the vault is in its genesis (the SDK's
        # x/group genesis holds groups) rather than created by a tx as `devnet up` does.
        genesis["groups"] = [
            {
                "members": facts["member_accounts"],
                "threshold": options.threshold,
                "voting_period_s": options.voting_period_s,
            }
        ]
        facts["vault"] = policy_address(1)
    layout.genesis_file.write_text(json.dumps(genesis, indent=2), encoding="utf-8")
    say(f"Pocket genesis written: vault {facts['vault']} ({options.threshold}-of-{options.nodes})")

    _wait_for("MongoDB", lambda: _init_database(layout), ready_timeout_s)
    say("database initialised")

    for node_id in node_ids:
        node_dir = layout.nodes_dir / node_id
        node_dir.mkdir(parents=True, exist_ok=True)
        write_keystores(node_dir / "keys", node_id, keys["nodes"][node_id])
        endpoints = NodeEndpoints(
            mongodb_uri=layout.mongodb_uri,
            database=layout.database,
            eth_url=layout.eth_url,
            pokt_url=layout.pokt_url,
            keys_dir=layout.node_root / "keys",
            journal_path=layout.journal_path,
        )
        config = node_settings(node_id, options, facts, endpoints)
        write_private(node_dir / "config.yaml", yaml.safe_dump(config, sort_keys=False))
    say(f"{len(node_ids)} node configs and keystores written to {layout.nodes_dir}")

    devnet = Devnet(
        layout.state_dir,
        {
            "node_ids": node_ids,
            "mongodb_uri": layout.mongodb_uri,
            "database": layout.database,
            "eth_rpc_url": layout.eth_url,
            "pokt_rest_url": layout.pokt_url,
            "services": {},
            "options": options_json(options),
            **facts,
        },
    )
    devnet.save()  # last: its presence means the setup completed
    os.chmod(layout.state_dir / STATE_FILE, 0o600)
    return devnet


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give ``root`` and everything under it to ``uid:gid`` (the nodes' non-root user)."""
    os.chown(root, uid, gid)
    for parent, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.chown(Path(parent) / name, uid, gid, follow_symlinks=False)


def _init_database(layout: ClusterLayout) -> bool:
    db = connect(layout.init_db_uri, layout.database)
    try:
        init_db(db)
    finally:
        db.client.close()
    return True


def _eth_answers(url: str) -> bool:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    return requests.post(url, json=body, timeout=3).status_code == 200


def _wait_for(what: str, probe: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except (requests.RequestException, OSError, DatabaseError) as exc:
            last = type(exc).__name__
        time.sleep(1.0)
    raise DevnetError(f"{what} not ready after {timeout_s:.0f}s ({last})")
