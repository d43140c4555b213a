"""load_signer for each key source in the config: keystore, kms, env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.unit.keys.conftest import KEY_HEX, NODE_ID, PASSWORD
from wpokt_node.config import KeySettings
from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.kms import KmsSigner
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.keys.sources import load_signer

pytestmark = pytest.mark.security

EXPECTED = LocalKeySigner.from_hex(KEY_HEX).public_key


def keystore_settings(path: Path, **extra: Any) -> KeySettings:
    return KeySettings.model_validate({"source": "keystore", "path": str(path), **extra})


def test_keystore_with_password_file(keystore_path: Path, tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD.reveal() + "\n")
    password_file.chmod(0o600)
    settings = keystore_settings(keystore_path, password_file=str(password_file))
    signer = load_signer(settings, purpose="eth_signer", node_id=NODE_ID, environ={})
    assert signer.public_key == EXPECTED


def test_keystore_with_password_env(keystore_path: Path) -> None:
    settings = keystore_settings(keystore_path, password_env="NODE_PW")
    environ = {"NODE_PW": PASSWORD.reveal()}
    signer = load_signer(settings, purpose="eth_signer", node_id=NODE_ID, environ=environ)
    assert signer.public_key == EXPECTED


def test_keystore_errors_name_the_key_and_hide_the_password(keystore_path: Path) -> None:
    settings = keystore_settings(keystore_path, password_env="NODE_PW")
    with pytest.raises(KeyMaterialError) as caught:
        load_signer(
            settings, purpose="eth_signer", node_id=NODE_ID, environ={"NODE_PW": "guess-123"}
        )
    message = str(caught.value)
    assert message.startswith("keys.eth_signer: keystore ")
    assert "wrong password" in message
    assert "guess-123" not in message
    with pytest.raises(KeyMaterialError, match="NODE_PW is not set"):
        load_signer(settings, purpose="eth_signer", node_id=NODE_ID, environ={})
    with pytest.raises(KeyMaterialError, match="belongs to node 'node-07'"):
        load_signer(
            settings,
            purpose="eth_signer",
            node_id="node-01",
            environ={"NODE_PW": PASSWORD.reveal()},
        )
    with pytest.raises(KeyMaterialError, match="holds the 'eth_signer' key"):
        load_signer(
            settings, purpose="eth_gas", node_id=NODE_ID, environ={"NODE_PW": PASSWORD.reveal()}
        )


def test_keystore_settings_need_exactly_one_password_source(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one of 'password_file', 'password_env'"):
        keystore_settings(tmp_path / "k.json")
    with pytest.raises(ValueError, match="exactly one of"):
        keystore_settings(tmp_path / "k.json", password_file="p", password_env="P")


@pytest.fixture
def moto_kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in (("AWS_ACCESS_KEY_ID", "t"), ("AWS_SECRET_ACCESS_KEY", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("kms", region_name="eu-west-1")


def test_kms_source(moto_kms: Any) -> None:
    key_id = moto_kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    settings = KeySettings.model_validate(
        {"source": "kms", "kms_key_id": key_id, "kms_region": "eu-west-1"}
    )
    signer = load_signer(settings, purpose="pokt_signer", node_id=NODE_ID, environ={})
    assert isinstance(signer, KmsSigner)
    assert len(signer.public_key) == 33


def test_kms_source_wrong_spec(moto_kms: Any) -> None:
    key_id = moto_kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    settings = KeySettings.model_validate(
        {"source": "kms", "kms_key_id": key_id, "kms_region": "eu-west-1"}
    )
    with pytest.raises(KeyMaterialError, match=r"^keys\.eth_signer: KMS key .* ECC_NIST_P256"):
        load_signer(settings, purpose="eth_signer", node_id=NODE_ID, environ={})


def test_env_source_still_works_and_hides_the_value() -> None:
    settings = KeySettings.model_validate({"source": "env", "env_var": "DEV_KEY"})
    signer = load_signer(settings, purpose="eth_gas", node_id=NODE_ID, environ={"DEV_KEY": KEY_HEX})
    assert signer.public_key == EXPECTED
    with pytest.raises(KeyMaterialError) as caught:
        load_signer(
            settings, purpose="eth_gas", node_id=NODE_ID, environ={"DEV_KEY": "zz" + KEY_HEX}
        )
    assert KEY_HEX not in str(caught.value)
