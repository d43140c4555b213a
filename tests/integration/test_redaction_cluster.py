"""Redaction scan: a real 3-node devnet (keystores, `wpokt-node run` processes) mints a deposit
and refunds a bad one; then every log line of every service and every document of every
collection is searched for any private key, keystore password or database password."""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bson import json_util

from wpokt_devnet.actions import deposit
from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import DevnetOptions
from wpokt_node.db.client import connect
from wpokt_node.db.schema import MINTS, REFUNDS, Status

pytestmark = [pytest.mark.security, pytest.mark.slow, pytest.mark.timeout(400)]


def wait_for(what: str, predicate: Callable[[], bool], timeout_s: float = 150.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def key_forms(hex_key: str) -> set[str]:
    """The ways a 32-byte key could leak into text: hex (either case), base64."""
    raw = bytes.fromhex(hex_key.removeprefix("0x"))
    text = raw.hex()
    return {
        text,
        text.upper(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
    }


def devnet_secrets(devnet: Devnet) -> dict[str, str]:
    """Every secret the devnet knows: name -> value to look for."""
    keys = devnet.keys()
    secrets: dict[str, str] = {}
    named = [(name, keys[name]) for name in ("admin", "eth_user", "pokt_user")]
    for node_id, node_keys in keys["nodes"].items():
        named += [(f"{node_id}.{purpose}", value) for purpose, value in node_keys.items()]
    for name, value in named:
        for number, form in enumerate(sorted(key_forms(value))):
            secrets[f"{name} key (form {number})"] = form
    for node_id in devnet.node_ids:
        password = (devnet.node_keys_dir(node_id) / "password").read_text(encoding="utf-8")
        secrets[f"{node_id} keystore password"] = password.rstrip("\r\n")
    uri_password = urlsplit(devnet.mongodb_uri).password
    if uri_password:
        secrets["mongodb password"] = uri_password
    return secrets


def leaks(texts: Iterable[tuple[str, str]], secrets: dict[str, str]) -> list[str]:
    return [
        f"{secret_name} in {where}"
        for where, text in texts
        for secret_name, value in secrets.items()
        if value in text
    ]


def test_no_key_or_password_in_any_log_line_or_database_document(tmp_path: Path) -> None:
    directory = tmp_path / "devnet"
    options = DevnetOptions(
        nodes=3,
        threshold=2,
        eth_block_time_s=1.0,
        pokt_block_time_s=1.0,
        worker_interval_s=0.5,
        mongodb_uri=os.environ.get("MONGODB_URI") or None,
        database=f"redaction_{uuid.uuid4().hex[:8]}",
    )
    devnet = up(directory, options)
    documents: list[tuple[str, str]] = []
    try:
        db = connect(devnet.mongodb_uri, devnet.database)
        try:
            # Given a valid deposit and a bad-memo one: both signing keys are exercised
            eth_user = str(devnet.state["eth_user"])
            minted = deposit(devnet, 2_000_000, eth_user)
            refunded = deposit(devnet, 1_000_000, eth_user, memo="not a memo")

            def done(collection: str, tx_hash: str) -> bool:
                entry = db[collection].find_one({"transaction_hash": tx_hash})
                assert entry is None or entry["status"] != Status.FAILED.value, entry
                return entry is not None and entry["status"] == Status.EXECUTED.value

            wait_for("the mint", lambda: done(MINTS, minted))
            wait_for("the refund", lambda: done(REFUNDS, refunded))
            for name in db.list_collection_names():
                for document in db[name].find():
                    documents.append((f"{name}/{document.get('_id')}", json_util.dumps(document)))
        finally:
            db.client.close()
    finally:
        down(directory)

    logs = {path.name: path.read_text(encoding="utf-8") for path in (directory / "logs").glob("*")}
    node_logs = [logs[f"{node_id}.log"] for node_id in devnet.node_ids]
    # The scan is not vacuous: the nodes logged their work, signatures included
    assert sum(text.count("\n") for text in node_logs) > 20
    assert sum('"event": "signed"' in text for text in node_logs) >= 2
    assert any('"event": "mint broadcast"' in text for text in node_logs)
    assert len(documents) > 10
    assert {"mints", "refunds", "audit", "nodes"} <= {d.split("/")[0] for d, _ in documents}
    secrets = devnet_secrets(devnet)
    assert len(secrets) >= 3 * 3 * 4 + 3
    # ... and would catch a leak
    assert leaks([("probe", "x" + next(iter(secrets.values())) + "x")], secrets)

    found = leaks([*logs.items(), *documents], secrets)
    assert found == [], found
