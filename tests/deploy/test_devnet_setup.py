"""``wpokt-node devnet setup``: the compose cluster's one-shot, against a real anvil and DB."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from tests.fixtures.mongo import unique_db_name
from wpokt_devnet.anvil import Anvil
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.cluster_config import USER_POKT_BALANCE
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_sim.genesis import load_genesis
from wpokt_node.addresses import address_from_secp256k1_pubkey
from wpokt_node.config import load_config
from wpokt_node.db.client import connect
from wpokt_node.db.schema import ALL_COLLECTIONS
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.sources import load_signer
from wpokt_node.node.cli import main
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_reads import GroupReader

pytestmark = [pytest.mark.deploy, pytest.mark.eth]

NODES, THRESHOLD = 3, 2


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``devnet setup`` configures logging onto the captured stderr: undo it afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def anvil(anvil_server: Anvil) -> Iterator[Anvil]:
    snapshot = anvil_server.snapshot()
    yield anvil_server
    anvil_server.revert(snapshot)


def _run_setup(tmp_path: Path, anvil: Anvil, mongo_uri: str, database: str) -> int:
    uri_file = tmp_path / "app_uri"
    uri_file.write_text(mongo_uri + "\n")
    return main(
        [
            "devnet", "setup", "--if-missing",
            "--dir", str(tmp_path / "state"),
            "--nodes-dir", str(tmp_path / "nodes"),
            "--genesis-file", str(tmp_path / "genesis" / "genesis.json"),
            "--eth-rpc", anvil.url,
            "--pokt-rest", "http://pokt-sim:1317",
            "--mongodb-uri-file", str(uri_file),
            "--database", database,
            "--nodes", str(NODES), "--threshold", str(THRESHOLD),
            "--node-root", str(tmp_path / "seen-by-node"),
            "--journal-path", "/var/lib/wpokt/journal.sqlite3",
            "--pokt-state-file", str(tmp_path / "pokt-state.json"),
        ]
    )  # fmt: skip


def test_setup_writes_a_working_cluster(
    tmp_path: Path, anvil: Anvil, mongo_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = unique_db_name("setup")
    assert _run_setup(tmp_path, anvil, mongo_uri, database) == 0
    devnet = Devnet.load(tmp_path / "state")
    assert devnet.node_ids == ["node-01", "node-02", "node-03"]
    assert devnet.pokt_url == "http://pokt-sim:1317"

    # contracts are deployed on that anvil
    code = EthClient(anvil.url).request("eth_getCode", [devnet.state["controller"], "latest"])
    assert len(str(code)) > 10

    # Pocket genesis: mainnet's tx_sig_limit, funded test user and member accounts, and the
    # T-of-N group vault over the members every config names, as the simulator starts it
    genesis = load_genesis(tmp_path / "genesis" / "genesis.json")
    raw = json.loads((tmp_path / "genesis" / "genesis.json").read_text())
    assert raw["auth_params"]["tx_sig_limit"] == 7
    assert raw["accounts"][0]["address"] == devnet.state["pokt_user"]
    members: list[str] = devnet.state["members"]
    accounts = [address_from_secp256k1_pubkey(bytes.fromhex(k)) for k in members]
    with PoktSimulator(genesis) as simulator:
        client = PocketClient(simulator.url)
        balance = client.balance(devnet.state["pokt_user"])
        reader = GroupReader(client)
        policy = reader.policy(devnet.state["vault"])
        assert policy is not None
        assert (policy.threshold, policy.admin) == (THRESHOLD, devnet.state["vault"])
        assert sorted(reader.members(policy.group_id)) == sorted(accounts)
    assert balance == USER_POKT_BALANCE

    # database initialised
    db = connect(mongo_uri, database)
    try:
        assert set(ALL_COLLECTIONS) <= set(db.list_collection_names())
    finally:
        db.client.close()

    # each node directory: a 0600 config naming keystores at the node's own paths
    node_root = tmp_path / "seen-by-node"
    for index, node_id in enumerate(devnet.node_ids):
        node_dir = tmp_path / "nodes" / node_id
        config_path = node_dir / "config.yaml"
        assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
        settings = load_config(config_path, environ={})
        assert settings.node_id == node_id
        assert settings.pocket.rest_url == "http://pokt-sim:1317"
        assert str(settings.journal_path) == "/var/lib/wpokt/journal.sqlite3"
        assert settings.pocket.member_public_keys == members
        node_root.mkdir(exist_ok=True)
        (node_root / "keys").unlink(missing_ok=True)
        (node_root / "keys").symlink_to(node_dir / "keys")  # the node's view of its volume
        signer = load_signer(
            settings.keys.pokt_signer, purpose="pokt_signer", node_id=node_id, environ={}
        )
        assert signer.public_key.hex() == members[index]

    # a second run (compose up again) changes nothing
    before = (tmp_path / "nodes" / "node-01" / "config.yaml").read_bytes()
    capsys.readouterr()
    assert _run_setup(tmp_path, anvil, mongo_uri, database) == 0
    assert "already set up" in capsys.readouterr().out
    assert (tmp_path / "nodes" / "node-01" / "config.yaml").read_bytes() == before


def test_setup_refuses_a_bad_uri_file_and_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "uri"
    bad.write_text("not-a-uri\n")
    common = ["devnet", "setup", "--dir", str(tmp_path / "s"), "--nodes-dir", str(tmp_path / "n")]
    common += ["--genesis-file", str(tmp_path / "g.json"), "--eth-rpc", "http://127.0.0.1:1"]
    common += ["--pokt-rest", "http://127.0.0.1:2"]
    assert main([*common, "--mongodb-uri-file", str(bad)]) == 1
    assert "does not hold a mongodb:// URI" in capsys.readouterr().err
    assert main([*common, "--mongodb-uri", "mongodb://x", "--nodes", "4", "--threshold", "2"]) == 1
    assert "threshold" in capsys.readouterr().err
    assert main([*common, "--mongodb-uri", "mongodb://x", "--owner", "wpokt"]) == 1
    assert "UID:GID" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
