"""Redaction mechanisms: Secret values, secret log fields, URI passwords in log lines."""

from __future__ import annotations

import json
import logging
import pickle

import pytest
import structlog
from pydantic import SecretStr

from wpokt_node.config import redact_uri
from wpokt_node.logs import configure_logging, drop_secret_fields, get_logger
from wpokt_node.secret import REDACTED, Secret, redact

pytestmark = pytest.mark.security

URI = "mongodb://wpokt:s3cr3t-Pa55@db1.internal:27017,db2.internal:27017/?replicaSet=rs0"


def test_secret_never_shows_its_value() -> None:
    secret = Secret("hunter2-value")
    rendered = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        repr([secret]),
        str({1: secret}),
    ]
    assert all("hunter2-value" not in text for text in rendered)
    assert str(secret) == REDACTED
    assert secret.reveal() == "hunter2-value"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret == Secret("hunter2-value")
    assert secret != Secret("other")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (URI, URI.replace("s3cr3t-Pa55", REDACTED)),
        (
            f"cannot connect to {URI} (timeout)",
            f"cannot connect to {URI.replace('s3cr3t-Pa55', REDACTED)} (timeout)",
        ),
        (
            "mongodb+srv://u:p%40ss@cluster.example/db",
            f"mongodb+srv://u:{REDACTED}@cluster.example/db",
        ),
        ("mongodb://127.0.0.1:27017/wpokt", "mongodb://127.0.0.1:27017/wpokt"),
        ("http://127.0.0.1:8545/", "http://127.0.0.1:8545/"),
        ("mongodb://user@host/db", f"mongodb://{REDACTED}@host/db"),
        ("mongodb://app:pa/ss@w:rd@db1:27017/wpokt", f"mongodb://app:{REDACTED}@db1:27017/wpokt"),
        (
            "https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
            f"https://mainnet.infura.io/v3/{REDACTED}",
        ),
        (
            "https://rpc.example/?apikey=XYZ12345678&height=5",
            f"https://rpc.example/?apikey={REDACTED}&height=5",
        ),
    ],
)
def test_uri_passwords_are_removed_from_text(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_config_redact_uri_agrees() -> None:
    assert "s3cr3t-Pa55" not in redact_uri(URI)
    assert redact_uri(URI) == redact(URI)


def test_processor_drops_secret_fields_and_values() -> None:
    event = {
        "event": f"connecting to {URI}",
        "password": "pw-1",
        "keystore_password": "pw-2",
        "Private_Key": "ab" * 32,
        "mnemonic": "abandon " * 12,
        "token": Secret("pw-3"),
        "uri": SecretStr("pw-4"),
        "nested": {"db": URI, "api_secret": "pw-5", "items": [Secret("pw-6"), "plain"]},
        "amount": 5,
        "node_id": "node-01",
    }
    scrubbed = drop_secret_fields(None, "info", dict(event))
    text = json.dumps(scrubbed, default=repr)
    for needle in ("pw-1", "pw-2", "ab" * 32, "abandon", "pw-3", "pw-4", "pw-5", "pw-6", "s3cr3t"):
        assert needle not in text
    assert scrubbed["password"] == REDACTED
    assert scrubbed["token"] == REDACTED
    assert scrubbed["nested"]["items"] == [REDACTED, "plain"]
    assert scrubbed["amount"] == 5
    assert scrubbed["node_id"] == "node-01"


def test_log_lines_show_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", node_id="node-01")
    try:
        log = get_logger("test")
        log.info("keystore loaded", password="hunter2-logged", mongodb_uri=URI)
        log.info("secret object", value=Secret("hunter3-logged"))
        try:
            raise RuntimeError(f"lost connection to {URI}")
        except RuntimeError:
            log.exception("database failed")
    finally:
        structlog.reset_defaults()
        logging.basicConfig(force=True)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert len(lines) == 3
    assert lines[0]["password"] == REDACTED
    assert REDACTED in lines[0]["mongodb_uri"]
    assert REDACTED in lines[2]["exception"]
    for needle in ("hunter2-logged", "hunter3-logged", "s3cr3t-Pa55"):
        assert needle not in err
