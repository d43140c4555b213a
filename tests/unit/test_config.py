"""Config: YAML + WPOKT_* overrides, one clear line per problem, secrets never printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from wpokt_node.config import load_config, parse_settings, redact_uri
from wpokt_node.errors import ConfigError
from wpokt_node.node.cli import main
from wpokt_node.node.cluster_facts import cluster_facts_hash

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "config.example.yaml"


def example_data() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert isinstance(data, dict)
    return data


def problems_of(data: object, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, environ or {})
    return caught.value.problems


def test_example_config_is_valid() -> None:
    settings = load_config(EXAMPLE, environ={})
    assert settings.cluster.nodes == 12
    assert settings.cluster.threshold == 9
    assert len(settings.pocket.member_public_keys) == 12
    assert settings.ethereum.token_address == "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_environment_overrides_win_over_the_file() -> None:
    settings = parse_settings(
        example_data(),
        {
            "WPOKT_ETHEREUM__RPC_URL": "http://10.0.0.1:8545",
            "WPOKT_ETHEREUM__CONFIRMATIONS": "finalized",
            "WPOKT_CLUSTER__THRESHOLD": "10",
            "WPOKT_CAPS__MAX_DEPOSIT_UPOKT": "5000000",
            "WPOKT_DEV_ETH_SIGNER_KEY": "not a config key, ignored",
            "HOME": "/root",
        },
    )
    assert settings.ethereum.rpc_url == "http://10.0.0.1:8545"
    assert settings.ethereum.confirmations == "finalized"
    assert settings.cluster.threshold == 10
    assert settings.caps.max_deposit_upokt == 5_000_000


def test_every_problem_gets_its_own_line() -> None:
    data = example_data()
    data["node_id"] = "Node 1"
    data["cluster"] = {"nodes": 12, "threshold": 13}
    data["ethereum"]["token_address"] = "0x1234"
    data["ethereum"]["colour"] = "red"
    data["pocket"]["vault_address"] = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"
    del data["keys"]["eth_gas"]
    problems = problems_of(data)
    assert len(problems) == 6, problems
    joined = "\n".join(problems)
    assert "node_id:" in joined
    assert "threshold (13) is greater than nodes (12)" in joined
    assert "ethereum.token_address: not an Ethereum address" in joined
    assert "ethereum.colour: unknown key" in joined
    assert "pocket.vault_address: Pocket addresses start with 'pokt1'" in joined
    assert "keys.eth_gas: missing value" in joined


@pytest.mark.parametrize("value", [1.5, 1e6, "1.0", "-5", True])
def test_amounts_must_be_integers(value: object) -> None:
    data = example_data()
    data["pocket"]["fee_upokt"] = value
    (problem,) = problems_of(data)
    assert problem.startswith("pocket.fee_upokt:")


def test_member_key_count_must_match_nodes() -> None:
    data = example_data()
    data["pocket"]["member_public_keys"] = data["pocket"]["member_public_keys"][:11]
    (problem,) = problems_of(data)
    assert "has 11 keys but cluster.nodes is 12" in problem


def test_raw_env_keys_are_refused_outside_devnet() -> None:
    data = example_data()
    data["network"] = "mainnet"
    data["ethereum"].update(admin_address="0x" + "ad" * 20, roles_from_block=1)
    problems = problems_of(data)
    assert any("only allowed when network is 'devnet'" in p for p in problems)


@pytest.mark.parametrize("missing", ["admin_address", "roles_from_block"])
def test_outside_devnet_the_token_admin_and_its_history_are_required(missing: str) -> None:
    data = example_data()
    data["network"] = "testnet"
    data["ethereum"].update(admin_address="0x" + "ad" * 20, roles_from_block=1)
    del data["ethereum"][missing]
    (problem,) = problems_of(data)
    assert f"ethereum.{missing} is required when network is not 'devnet'" in problem


def test_threshold_must_be_a_majority() -> None:
    data = example_data()
    data["cluster"] = {"nodes": 12, "threshold": 6}
    (problem,) = problems_of(data)
    assert "more than half" in problem


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("node_id: a\ncluster: [1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "malformed YAML at line" in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_non_mapping_file_is_rejected() -> None:
    assert problems_of(["a", "b"]) == ["the config file must be a mapping of keys to values"]


def test_redact_uri_hides_only_the_password() -> None:
    assert redact_uri("mongodb://app:s3cret@db1,db2/?replicaSet=rs0") == (
        "mongodb://app:[REDACTED]@db1,db2/?replicaSet=rs0"
    )
    assert redact_uri("mongodb://127.0.0.1:27017") == "mongodb://127.0.0.1:27017"


def test_secret_uri_never_appears_in_repr() -> None:
    data = example_data()
    data["mongodb"]["uri"] = "mongodb://app:hunter2hunter2@db/"
    settings = parse_settings(data, {})
    assert "hunter2hunter2" not in repr(settings)
    assert "hunter2hunter2" not in str(settings)


def test_config_check_prints_redacted_config_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = example_data()
    data["mongodb"]["uri"] = "mongodb://app:hunter2hunter2@db/"
    path = tmp_path / "node.yaml"
    path.write_text(yaml.safe_dump(data))
    for name in list(__import__("os").environ):
        if name.startswith("WPOKT_"):
            monkeypatch.delenv(name)
    assert main(["config", "check", "--offline", str(path)]) == 0
    out = capsys.readouterr().out
    assert "hunter2hunter2" not in out
    assert json.loads(out)["mongodb"]["uri"] == "mongodb://app:[REDACTED]@db/"


def test_config_check_exits_one_on_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "node.yaml"
    path.write_text("node_id: ok\nsurprise: 1\n")
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "surprise: unknown key" in err
    assert "mongodb: missing value" in err


def test_example_vault_is_the_multisig_of_its_member_keys() -> None:
    from wpokt_node.pokt.multisig import vault_address

    settings = load_config(EXAMPLE, environ={})
    assert settings.pocket.vault_address == vault_address(
        settings.cluster.threshold, settings.pocket.member_public_keys
    )


def test_config_check_refuses_placeholders_and_endpoints_that_do_not_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("WPOKT_"):
            monkeypatch.delenv(name)
    assert main(["config", "check", "--offline", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert "PROBLEM mongodb.uri looks like a placeholder: mongodb://wpokt:[REDACTED]@" in err
    data = example_data()
    data["mongodb"]["uri"] = "mongodb://127.0.0.1:1/"
    data["ethereum"]["rpc_url"] = "http://127.0.0.1:1"
    data["pocket"]["rest_url"] = "http://127.0.0.1:1"
    path = tmp_path / "node.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["config", "check", "--offline", str(path)]) == 0
    capsys.readouterr()
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    for name in ("ethereum.rpc_url", "pocket.rest_url", "mongodb.uri"):
        assert f"PROBLEM {name} does not answer" in err


def test_the_cluster_facts_hash_covers_what_nodes_must_agree_on_only() -> None:
    base = parse_settings(example_data(), {})
    same = example_data()
    same["node_id"] = "node-99"
    same["journal_path"] = "/elsewhere/journal.sqlite3"
    assert cluster_facts_hash(parse_settings(same, {})) == cluster_facts_hash(base)
    other = example_data()
    other["cluster"]["threshold"] = other["cluster"]["threshold"] - 1
    assert cluster_facts_hash(parse_settings(other, {})) != cluster_facts_hash(base)


def test_a_rotation_must_replace_a_configured_key_with_a_new_one() -> None:
    data = example_data()
    validators = data["ethereum"]["validator_addresses"]
    members = data["pocket"]["member_public_keys"]
    data["rotation"] = {"eth_signer": {"old": "0x" + "5b" * 20, "new": "0x" + "5a" * 20}}
    assert any("rotation.eth_signer.old is not in" in p for p in problems_of(data))
    data["rotation"] = {"eth_signer": {"old": validators[0], "new": validators[1]}}
    assert any("rotation.eth_signer.new is already in" in p for p in problems_of(data))
    data["rotation"] = {"pokt_signer": {"old": members[0], "new": members[1]}}
    assert any("rotation.pokt_signer.new is already in" in p for p in problems_of(data))
    data["rotation"] = {"pokt_signer": {"old": members[0], "new": "02" + "77" * 32}}
    data["pocket"]["custody"] = "multisig"
    assert any("a new key is a new vault" in p for p in problems_of(data))
