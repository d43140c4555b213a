"""Static checks of the docker-compose test cluster (no Docker engine runs here)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from wpokt_devnet.compose import compose_document, render_compose
from wpokt_node.db.schema import PUBLIC_COLLECTIONS
from wpokt_node.node.cli import main

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).parent / "data" / "compose_spec.json"
NODE_NAME = re.compile(r"^node-\d{2}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def _nodes(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose["services"].items() if NODE_NAME.match(name)}


def test_committed_file_is_the_generated_one_for_12_nodes() -> None:
    assert COMPOSE_FILE.read_text(encoding="utf-8") == render_compose(12, 9), (
        "deploy/docker-compose.yml is stale: run `make compose`"
    )


def test_cli_writes_the_same_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "compose.yml"
    assert main(["devnet", "compose", "--nodes", "12", "--threshold", "9", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == COMPOSE_FILE.read_text(encoding="utf-8")
    assert main(["devnet", "compose", "--nodes", "4", "--threshold", "2"]) == 1
    assert "threshold" in capsys.readouterr().err


def test_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator_class = jsonschema.Draft201909Validator
    validator_class.check_schema(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator_class(schema).iter_errors(compose)
    ]
    assert errors == []


def test_schema_validation_catches_a_broken_file(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["node-01"]["depends_on"]["setup"]["condition"] = "service_done"
    assert not jsonschema.Draft201909Validator(schema).is_valid(broken)


def test_twelve_nodes_of_the_node_image_with_health_checks(compose: dict[str, Any]) -> None:
    nodes = _nodes(compose)
    assert sorted(nodes) == [f"node-{i:02d}" for i in range(1, 13)]
    for name, node in nodes.items():
        assert "build" not in node  # `make image` builds it, from the wheelhouse
        assert node["healthcheck"]["test"] == [
            "CMD",
            "wpokt-node",
            "health",
            "--config",
            "/etc/wpokt/config.yaml",
        ]
        assert f"{name}-config:/etc/wpokt:ro" in node["volumes"]
        assert node["read_only"] is True
        assert node["cap_drop"] == ["ALL"]
        assert "entrypoint" not in node  # the image's `wpokt-node run`
        assert "command" not in node


def test_simulator_and_setup_run_the_devnet_image_and_nodes_do_not(
    compose: dict[str, Any],
) -> None:
    for name in ("setup", "pokt-sim"):
        service = compose["services"][name]
        assert service["image"] == "wpokt-devnet:dev", name
    for name, node in _nodes(compose).items():
        assert node["image"] == "wpokt-node:dev", name
    assert not [name for name, s in compose["services"].items() if "build" in s]


def test_the_air_gapped_flavour_swaps_only_the_database_and_anvil(compose: dict[str, Any]) -> None:
    gapped = compose_document(12, 9, air_gapped=True)
    services = gapped["services"]
    assert set(services) - set(compose["services"]) == {"database"}
    assert set(compose["services"]) - set(services) == {
        "mongo-secrets", "mongo1", "mongo2", "mongo3", "mongo-init"
    }  # fmt: skip
    assert services["database"]["image"] == "wpokt-devnet:dev"
    assert services["database"]["entrypoint"] == ["wpokt-node", "devnet", "db-serve"]
    assert services["anvil"]["image"] == "wpokt-anvil:dev"
    assert "mongodb://database:27017/" in services["setup"]["command"]
    for name, node in _nodes(gapped).items():
        expected = dict(compose["services"][name])
        expected["depends_on"] = {
            key: value for key, value in expected["depends_on"].items() if key != "mongo-init"
        } | {"database": {"condition": "service_healthy"}}
        assert node == expected, name
    assert gapped["networks"] == {"wpokt": {"internal": True}}


def test_no_published_ports_and_only_internal_networks(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "ports" not in service, name
        assert "expose" not in service, name
        assert service.get("network_mode") in (None, "none"), name
        assert "host" not in str(service.get("network_mode", "")), name
    assert compose["networks"] == {"wpokt": {"internal": True}}
    for node in _nodes(compose).values():
        assert node["networks"] == ["wpokt"]


def test_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]

    def waits_for(service: str) -> dict[str, str]:
        return {k: v["condition"] for k, v in services[service]["depends_on"].items()}

    assert waits_for("mongo-init") == dict.fromkeys(
        ("mongo1", "mongo2", "mongo3"), "service_healthy"
    )
    assert waits_for("setup") == {
        "anvil": "service_healthy",
        "mongo-init": "service_completed_successfully",
    }
    assert waits_for("pokt-sim") == {"setup": "service_completed_successfully"}
    for name in _nodes(compose):
        assert waits_for(name) == {
            "setup": "service_completed_successfully",
            "mongo-init": "service_completed_successfully",
            "anvil": "service_healthy",
            "pokt-sim": "service_healthy",
        }


def test_setup_writes_every_node_volume_and_sizes_the_cluster(compose: dict[str, Any]) -> None:
    setup = compose["services"]["setup"]
    command = setup["command"]
    assert command[command.index("--nodes") + 1] == "12"
    assert command[command.index("--threshold") + 1] == "9"
    for name in _nodes(compose):
        assert f"{name}-config:/nodes/{name}" in setup["volumes"]


def test_volumes_declared_and_bind_mounts_exist(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), f"{name}: {source} missing"
            else:
                assert source in declared, f"{name}: volume {source} not declared"


def test_mongodb_is_a_replica_set_with_keyfile_auth(compose: dict[str, Any]) -> None:
    services = compose["services"]
    members = [services[m] for m in ("mongo1", "mongo2", "mongo3")]
    for member in members:
        assert member["image"].startswith("mongo:")
        command = member["command"]
        assert command[command.index("--replSet") + 1] == "rs0"
        assert "--keyFile" in command
    script = (DEPLOY / "mongo" / "init-replica-set.js").read_text(encoding="utf-8")
    assert "replSetInitiate" in script
    assert '{ role: "readWrite", db: "wpokt" }' in script


def test_frontend_user_reads_public_collections_only() -> None:
    script = (DEPLOY / "mongo" / "init-replica-set.js").read_text(encoding="utf-8")
    match = re.search(r"const publicCollections = \[([^\]]*)\]", script)
    assert match is not None
    granted = set(re.findall(r'"([a-z_]+)"', match.group(1)))
    assert granted == set(PUBLIC_COLLECTIONS)
    assert 'actions: ["find"]' in script


@pytest.mark.parametrize("nodes", [1, 3, 7])
def test_generator_for_any_n(nodes: int) -> None:
    threshold = nodes // 2 + 1
    document = compose_document(nodes, threshold)
    assert len(_nodes(document)) == nodes
    command = document["services"]["setup"]["command"]
    assert command[command.index("--nodes") + 1] == str(nodes)


@pytest.mark.parametrize(("nodes", "threshold"), [(0, 0), (4, 2), (3, 4), (100, 60)])
def test_generator_refuses_bad_sizes(nodes: int, threshold: int) -> None:
    with pytest.raises(ValueError, match="nodes"):
        compose_document(nodes, threshold)
