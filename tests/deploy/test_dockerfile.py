"""Static checks of deploy/Dockerfile and deploy/Dockerfile.devnet (no Docker engine runs here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
DEVNET_DOCKERFILE = DEPLOY / "Dockerfile.devnet"
ANVIL_DOCKERFILE = DEPLOY / "Dockerfile.anvil"


def _instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    result = []
    for line in lines:
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def _stages(path: Path = DOCKERFILE) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for word, rest in _instructions(path):
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, rest))
    return stages


@pytest.mark.parametrize("path", [DOCKERFILE, DEVNET_DOCKERFILE, ANVIL_DOCKERFILE])
def test_the_base_is_a_build_argument_defaulting_to_the_official_slim_python(path: Path) -> None:
    instructions = _instructions(path)
    assert instructions[0] == ("ARG", "BASE=python:3.11-slim-bookworm")
    bases = [rest.split()[0] for word, rest in instructions if word == "FROM"]
    assert bases
    assert set(bases) == {"${BASE}"}


@pytest.mark.parametrize(
    ("path", "lock"),
    [(DOCKERFILE, "requirements.lock"), (DEVNET_DOCKERFILE, "requirements-devnet.lock")],
)
def test_installs_only_hash_locked_wheels_and_keeps_no_pip(path: Path, lock: str) -> None:
    build, runtime = _stages(path)
    copied = [rest for word, rest in build if word == "COPY"]
    assert copied == [f"{lock} /src/{lock}", "wheelhouse /wheelhouse"]  # no source tree
    runs = " ".join(rest for word, rest in build if word == "RUN")
    assert (
        f"--no-index --find-links /wheelhouse --only-binary :all: --require-hashes -r /src/{lock}"
        in runs
    )
    assert "pip check" in runs
    assert "pip uninstall --yes $UNUSED pip setuptools" in runs
    final_copies = [rest for word, rest in runtime if word == "COPY"]
    assert final_copies == ["--from=build /opt/wpokt /opt/wpokt"]  # only the built venv


def test_the_runtime_stage_drops_the_base_images_pip() -> None:
    runtime = _stages()[-1]
    runs = " ".join(rest for word, rest in runtime if word == "RUN")
    assert "pip uninstall --yes" in runs  # the official image's
    assert "dpkg --purge python3-venv python3.11-venv python3-pip-whl" in runs  # Debian's
    assert "! python3 -c 'import pip'" in runs


def test_runs_as_a_non_root_user_without_exposed_ports() -> None:
    instructions = _instructions()
    users = [rest for word, rest in instructions if word == "USER"]
    assert users
    assert users[-1] not in {"root", "0", "0:0"}
    assert not any(word == "EXPOSE" for word, _ in instructions)
    last_user = max(n for n, (word, _) in enumerate(instructions) if word == "USER")
    assert instructions[-1][0] == "ENTRYPOINT"
    assert last_user < len(instructions) - 1


def test_healthcheck_and_entrypoint() -> None:
    instructions = dict(_instructions())
    health = instructions["HEALTHCHECK"]
    command = json.loads(health.split(" CMD ", 1)[1])
    assert command == ["wpokt-node", "health", "--config", "/etc/wpokt/config.yaml"]
    entrypoint = json.loads(instructions["ENTRYPOINT"])
    assert entrypoint == ["wpokt-node", "run", "--config", "/etc/wpokt/config.yaml"]


def test_node_image_ships_only_the_node() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [(word, rest) for word, rest in _instructions() if word in {"COPY", "RUN"}]
    for word, rest in instructions:
        for devnet_part in ("devnet", "pokt-sim", "pokt_sim", "nx-27017", "nx_27017"):
            assert devnet_part not in rest, (word, rest)
    assert "/var/lib/pokt-sim" not in text
    lock = (DEPLOY / "requirements.lock").read_text(encoding="utf-8")
    assert "nx-27017" not in lock
    assert "neosqlite" not in lock


def test_devnet_image_adds_the_devnet_distribution() -> None:
    instructions = _instructions(DEVNET_DOCKERFILE)
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "--no-deps wpokt-node wpokt-devnet" in runs
    users = [rest for word, rest in instructions if word == "USER"]
    assert users
    assert users[-1] not in {"root", "0", "0:0"}
    entrypoint = json.loads(dict(instructions)["ENTRYPOINT"])
    assert entrypoint == ["wpokt-node", "devnet", "pokt"]
