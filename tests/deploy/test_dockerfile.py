"""Static checks of deploy/Dockerfile and deploy/Dockerfile.devnet (no Docker engine runs here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
DEVNET_DOCKERFILE = DEPLOY / "Dockerfile.devnet"


def _instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    result = []
    for line in lines:
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def test_multi_stage_from_a_pinned_slim_python() -> None:
    bases = [rest for word, rest in _instructions() if word == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        assert re.match(r"python:3\.1[1-9]\.\d+-slim-\w+", base), base
    final = _instructions()
    last_from = max(n for n, (word, _) in enumerate(final) if word == "FROM")
    copies = [rest for word, rest in final[last_from:] if word == "COPY"]
    assert copies == ["--from=build /opt/wpokt /opt/wpokt"]  # only the built venv


def test_installs_the_package_from_the_repository() -> None:
    runs = " ".join(rest for word, rest in _instructions() if word == "RUN")
    assert "pip install --no-compile ." in runs
    copied = [rest for word, rest in _instructions() if word == "COPY"]
    assert "wpokt_node ./wpokt_node" in copied


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


def test_build_context_is_restricted() -> None:
    ignore = DOCKERFILE.with_name("Dockerfile.dockerignore").read_text(encoding="utf-8")
    patterns = [line for line in ignore.splitlines() if line and not line.startswith("#")]
    assert patterns[0] == "*"  # nothing but what the build copies (no .venv, keys, .devnet)
    assert "!wpokt_node/" in patterns


def test_node_image_ships_only_the_node() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [(word, rest) for word, rest in _instructions() if word in {"COPY", "RUN"}]
    for word, rest in instructions:
        for devnet_part in ("devnet", "pokt-sim", "pokt_sim", "nx-27017", "nx_27017"):
            assert devnet_part not in rest, (word, rest)
    assert "/var/lib/pokt-sim" not in text
    ignore = DOCKERFILE.with_name("Dockerfile.dockerignore").read_text(encoding="utf-8")
    assert "!devnet/" not in ignore


def test_devnet_image_adds_the_devnet_distribution() -> None:
    instructions = _instructions(DEVNET_DOCKERFILE)
    bases = [rest for word, rest in instructions if word == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        assert re.match(r"python:3\.1[1-9]\.\d+-slim-\w+", base), base
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "pip install --no-compile . ./devnet" in runs
    copied = [rest for word, rest in instructions if word == "COPY"]
    assert {"wpokt_node ./wpokt_node", "devnet ./devnet"} <= set(copied)
    last_from = max(n for n, (word, _) in enumerate(instructions) if word == "FROM")
    final_copies = [rest for word, rest in instructions[last_from:] if word == "COPY"]
    assert final_copies == ["--from=build /opt/wpokt /opt/wpokt"]
    users = [rest for word, rest in instructions if word == "USER"]
    assert users
    assert users[-1] not in {"root", "0", "0:0"}
    entrypoint = json.loads(dict(instructions)["ENTRYPOINT"])
    assert entrypoint == ["wpokt-node", "devnet", "pokt"]
    ignore = DEVNET_DOCKERFILE.with_name("Dockerfile.devnet.dockerignore").read_text(
        encoding="utf-8"
    )
    patterns = [line for line in ignore.splitlines() if line and not line.startswith("#")]
    assert patterns[0] == "*"
    assert {"!wpokt_node/", "!devnet/"} <= set(patterns)
