"""The devnet hands its nodes their keys through encrypted keystores, never the environment."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from wpokt_devnet.cluster import KEYS_FILE, Devnet, keys_section, write_node_keystores
from wpokt_devnet.cluster_config import generate_keys
from wpokt_node.config import KeySettings
from wpokt_node.keys.keystore import KEY_PURPOSES, read_keystore
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.keys.sources import load_signer

pytestmark = pytest.mark.security


def test_devnet_nodes_load_their_keys_from_keystores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node_ids = ["node-01", "node-02"]
    keys = generate_keys(node_ids)
    (tmp_path / KEYS_FILE).write_text(json.dumps(keys))
    devnet = Devnet(tmp_path, {"node_ids": node_ids})
    monkeypatch.setenv("WPOKT_SOMETHING", "x")
    for node_id in node_ids:
        write_node_keystores(devnet, node_id)
        assert not any(k.startswith("WPOKT_") for k in devnet.node_env(node_id))
        for purpose, raw in keys_section(devnet, node_id).items():
            settings = KeySettings.model_validate(raw)
            path = Path(raw["path"])
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(Path(raw["password_file"]).stat().st_mode) == 0o600
            assert read_keystore(path).node_id == node_id
            signer = load_signer(settings, purpose=purpose, node_id=node_id, environ={})
            expected = LocalKeySigner.from_hex(keys["nodes"][node_id][purpose])
            assert signer.public_key == expected.public_key
    assert set(keys_section(devnet, "node-01")) == set(KEY_PURPOSES)
    write_node_keystores(devnet, "node-01")  # a re-run of `devnet up` rewrites them
