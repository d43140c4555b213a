"""The container cluster's engine discovery, hash locks and checks, without an engine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from wpokt_devnet.containers import checks
from wpokt_devnet.containers.engine import EngineError, ensure_engine
from wpokt_devnet.containers.images import wheel_platforms
from wpokt_node.node.cli import main

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$", re.MULTILINE)


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / "deploy" / lock).read_text(encoding="utf-8")
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}


def _requirements(pyproject: Path) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


# --- no engine ------------------------------------------------------------------------------


def _no_docker_and_no_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wpokt_devnet.containers.engine.shutil.which", lambda _name: None)
    monkeypatch.setattr("wpokt_devnet.containers.engine.os.geteuid", lambda: 1000)


def test_given_no_engine_and_no_root_when_asked_for_one_then_it_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_docker_and_no_root(monkeypatch)
    with pytest.raises(EngineError, match=r"needs root: sudo apt-get install docker\.io"):
        ensure_engine(say=lambda _line: None)


def test_given_no_engine_the_cluster_test_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_docker_and_no_root(monkeypatch)
    assert main(["devnet", "cluster-test"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("cluster test failed: no Docker engine runs")


def test_given_root_without_apt_get_then_it_cannot_install_an_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("wpokt_devnet.containers.engine.shutil.which", lambda _name: None)
    monkeypatch.setattr("wpokt_devnet.containers.engine.os.geteuid", lambda: 0)
    with pytest.raises(EngineError, match="no apt-get"):
        ensure_engine(say=lambda _line: None)


# --- the wheelhouse and the locks -----------------------------------------------------------


def test_wheels_are_for_bookworms_glibc_and_older_newest_first() -> None:
    tags = wheel_platforms("x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert tags[-2:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64"]
    assert tags.index("manylinux2014_x86_64") == tags.index("manylinux_2_17_x86_64") + 1
    assert not [tag for tag in tags if "2_37" in tag or "2_39" in tag]


def test_every_dependency_of_the_node_is_pinned_by_the_lock_within_its_range() -> None:
    pins = _pins("requirements.lock")
    for requirement in _requirements(ROOT / "pyproject.toml"):
        version = pins.get(requirement.name.lower().replace("_", "-"))
        assert version is not None, f"{requirement.name} is not in the lock: run `make lock`"
        assert requirement.specifier.contains(version), (requirement, version)


def test_the_devnet_lock_is_the_node_lock_plus_the_devnet_packages() -> None:
    node, devnet = _pins("requirements.lock"), _pins("requirements-devnet.lock")
    assert {name: devnet[name] for name in node} == node  # the same versions the nodes run
    extra = set(devnet) - set(node)
    assert extra == {"nx-27017", "neosqlite"}
    for requirement in _requirements(ROOT / "devnet" / "pyproject.toml"):
        if requirement.name != "wpokt-node":
            assert requirement.specifier.contains(devnet[requirement.name.lower()]), requirement


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-devnet.lock"])
def test_every_pin_carries_its_hashes(lock: str) -> None:
    text = (ROOT / "deploy" / lock).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text)[1:]  # [0]: pip-compile's header
    assert len(blocks) == len(_pins(lock))
    for block in blocks:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), block.splitlines()[0]


# --- the checks -----------------------------------------------------------------------------


def _node(at_ms: int, **cursors: int) -> dict[str, Any]:
    workers = ("pokt-watcher", "mint-executor", "burn-watcher", "release-executor")
    return {"workers": {w: {"at_ms": at_ms, "passes": 3} for w in workers}, "cursors": cursors}


def test_given_a_restarted_node_past_everyones_cursor_at_the_kill_then_it_caught_up() -> None:
    at_kill = {"nodes": {"node-05": _node(900, pokt=100), "node-01": _node(900, pokt=104)}}
    behind = {"nodes": {"node-05": _node(1500, pokt=103), "node-01": _node(1500, pokt=110)}}
    stale = {"nodes": {"node-05": _node(999, pokt=120), "node-01": _node(1500, pokt=120)}}
    ahead = {"nodes": {"node-05": _node(1500, pokt=104), "node-01": _node(1500, pokt=110)}}
    assert not checks.caught_up(behind, "node-05", 1000, at_kill)
    assert not checks.caught_up(stale, "node-05", 1000, at_kill)  # an old process's beat
    assert checks.caught_up(ahead, "node-05", 1000, at_kill)


def _row(event: str, payload: str, retired: int | None = None) -> dict[str, Any]:
    return {
        "source_event": event,
        "payload_hash": payload,
        "signed_at": 1,
        "description": "mint",
        "retired_at": retired,
    }


def test_given_a_journal_across_a_restart_then_rows_lost_or_a_second_live_payload_fail() -> None:
    before = [_row("e1", "p1")]
    checks.journal_kept_and_single(before, [_row("e1", "p1"), _row("e2", "p2")], "node-05")
    checks.journal_kept_and_single(before, [_row("e1", "p1", retired=5), _row("e1", "p3")], "n")
    with pytest.raises(EngineError, match="lost 1 rows"):
        checks.journal_kept_and_single(before, [_row("e2", "p2")], "node-05")
    with pytest.raises(EngineError, match="two live payloads for \\['e1'\\]"):
        checks.journal_kept_and_single(before, [_row("e1", "p1"), _row("e1", "p3")], "node-05")


LOCKED_DOWN: dict[str, dict[str, Any]] = {
    "HostConfig": {
        "PortBindings": {},
        "ReadonlyRootfs": True,
        "CapAdd": None,
        "CapDrop": ["ALL"],
        "Privileged": False,
        "SecurityOpt": ["no-new-privileges:true"],
    },
    "Config": {"User": "10001:10001", "ExposedPorts": None},
}


def test_given_the_compose_node_settings_then_no_problem_and_each_loosening_is_named() -> None:
    assert checks._configured_problems(LOCKED_DOWN) == []
    assert checks._configured_problems(
        {**LOCKED_DOWN, "HostConfig": {**LOCKED_DOWN["HostConfig"], "PidMode": "host"}}
    ) == ["PidMode host"]
    loose = {
        "HostConfig": {**LOCKED_DOWN["HostConfig"], "PortBindings": {"8080/tcp": [{}]},
                       "ReadonlyRootfs": False, "CapAdd": ["NET_ADMIN"], "SecurityOpt": []},
        "Config": {"User": "0:0", "ExposedPorts": {"8080/tcp": {}}},
    }  # fmt: skip
    assert len(checks._configured_problems(loose)) == 5


def test_given_the_journal_mount_then_only_the_nodes_own_named_volume_passes() -> None:
    volume = {"Type": "volume", "Name": "p_node-05-data", "Destination": "/var/lib/wpokt",
              "RW": True}  # fmt: skip
    assert checks._journal_volume_problems({"Mounts": [volume]}, "p", "node-05") == []
    for wrong in ({"Type": "bind"}, {"Name": "p_node-06-data"}, {"RW": False}):
        mounts = {"Mounts": [{**volume, **wrong}]}
        assert checks._journal_volume_problems(mounts, "p", "node-05"), wrong
    assert checks._journal_volume_problems({"Mounts": []}, "p", "node-05")


def test_given_what_a_container_holds_then_only_dockers_dns_is_tolerated() -> None:
    quiet = {"uid": 10001, "cap_eff": "0000000000000000", "listening": [],
             "not_ours": ["0B00007F:AB0D"], "root_read_only": True}  # fmt: skip
    assert checks._inside_problems(quiet) == []
    noisy = {"uid": 0, "cap_eff": "00000000a80425fb", "listening": ["00000000:1F90"],
             "not_ours": ["0100007F:1F90"], "root_read_only": False}  # fmt: skip
    assert len(checks._inside_problems(noisy)) == 5
