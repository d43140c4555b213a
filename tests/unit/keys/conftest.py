"""Keystore test helpers: the lowest Argon2id parameters the loader accepts, to keep tests fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from wpokt_node.keys.kdf import MIN_MEMORY_KIB, MIN_TIME_COST, KdfParams
from wpokt_node.keys.keystore import create_keystore
from wpokt_node.secret import Secret

FAST_KDF = KdfParams(time_cost=MIN_TIME_COST, memory_kib=MIN_MEMORY_KIB, parallelism=1)
PASSWORD = Secret("correct horse battery staple")
NODE_ID = "node-07"
# A fixed, well-known test key (never use it for anything real).
KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


@pytest.fixture
def keystore_path(tmp_path: Path) -> Path:
    path = tmp_path / "eth_signer.json"
    create_keystore(
        path,
        bytearray.fromhex(KEY_HEX),
        password=PASSWORD,
        node_id=NODE_ID,
        purpose="eth_signer",
        kdf=FAST_KDF,
    )
    return path
