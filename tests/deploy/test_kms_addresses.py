"""scripts/kms_addresses.py reads the nodes' KMS public keys (moto) into config values."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from scripts import kms_addresses
from wpokt_node.keys.kms import KmsSigner
from wpokt_node.keys.signer import eth_address_of

pytestmark = pytest.mark.deploy


@pytest.fixture
def kms_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in (("AWS_ACCESS_KEY_ID", "t"), ("AWS_SECRET_ACCESS_KEY", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield {r: boto3.client("kms", region_name=r) for r in ("eu-west-1", "us-east-1")}


def test_prints_validators_and_members_in_node_order(
    kms_clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes: dict[str, Any] = {}
    for node_id, region in (("node-02", "us-east-1"), ("node-01", "eu-west-1")):
        client = kms_clients[region]
        arns = {
            purpose: client.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")[
                "KeyMetadata"
            ]["Arn"]
            for purpose in ("eth_signer", "pokt_signer", "eth_gas")
        }
        nodes[node_id] = {"region": region, "kms_key_arns": arns}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(nodes)))
    monkeypatch.setattr(sys, "argv", ["kms_addresses.py", "--yaml"])
    assert kms_addresses.main() == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    expected = [
        eth_address_of(
            KmsSigner(nodes[n]["kms_key_arns"]["eth_signer"], nodes[n]["region"]).public_key
        )
        for n in ("node-01", "node-02")
    ]
    assert printed["ethereum"]["validator_addresses"] == expected
    members = printed["pocket"]["member_public_keys"]
    assert len(members) == 2
    assert all(len(m) == 66 for m in members)


def test_reads_one_operators_node_output(
    kms_clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = kms_clients["eu-west-1"]
    arns = {
        purpose: client.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")[
            "KeyMetadata"
        ]["Arn"]
        for purpose in ("eth_signer", "pokt_signer", "eth_gas")
    }
    node = {"node_id": "node-07", "region": "eu-west-1", "kms_key_arns": arns, "instance_id": None}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(node)))
    monkeypatch.setattr(sys, "argv", ["kms_addresses.py"])
    assert kms_addresses.main() == 0
    printed = capsys.readouterr().out
    signer = eth_address_of(KmsSigner(arns["eth_signer"], "eu-west-1").public_key)
    assert printed.startswith("node-07 (eu-west-1)\n")
    assert f"eth_signer  {signer}" in printed
