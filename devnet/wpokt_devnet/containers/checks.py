"""The cluster test's checks of images and containers; each raises ``EngineError`` naming what
it found, or returns quietly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wpokt_devnet.compose import IMAGE, NETWORK, NODE_UID
from wpokt_devnet.containers.engine import Engine, EngineError

if TYPE_CHECKING:
    from wpokt_devnet.containers.cluster_test import Cluster

Say = Callable[[str], None]
BAD_BUILD_TAG = "wpokt-node:refused-build"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the classic builder colours a step's stderr
DOCKER_DNS = "0B00007F:"  # 127.0.0.11, as /proc/net/tcp writes it
# Inside a node container: uid, effective capabilities of its first process, the TCP sockets in
# LISTEN (state 0A) and the unconnected bound UDP sockets (state 07, no remote address) of its
# network namespace that a process of the container holds (by socket inode in /proc/<pid>/fd),
# and whether the root file system is mounted read-only. Docker's embedded DNS server listens on
# 127.0.0.11 in every container on a user-defined network, but dockerd holds those sockets, so
# they are listed apart.
INSIDE = """
import json, os
def sockets(name, state):
    rows = [r.split() for r in open('/proc/net/' + name).read().splitlines()[1:]]
    return {r[9]: r[1] for r in rows if r[3] == state and (state == '0A' or set(r[2]) <= set('0:'))}
found = {**sockets('tcp', '0A'), **sockets('tcp6', '0A'), **sockets('udp', '07'),
         **sockets('udp6', '07')}
held = set()
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        for fd in os.listdir(f'/proc/{pid}/fd'):
            link = os.readlink(f'/proc/{pid}/fd/{fd}')
            if link.startswith('socket:['):
                held.add(link[8:-1])
    except OSError:
        pass
status = dict(l.split(':', 1) for l in open('/proc/1/status').read().splitlines() if ':' in l)
print(json.dumps({'uid': os.getuid(), 'cap_eff': status['CapEff'].strip(),
    'listening': sorted(a for i, a in found.items() if i in held),
    'not_ours': sorted(a for i, a in found.items() if i not in held),
    'root_read_only': bool(os.statvfs('/').f_flag & os.ST_RDONLY)}))
"""


def bad_wheelhouses_fail_naming_the_package(
    engine: Engine, repo: Path, base: str, say: Say
) -> None:
    """A wheelhouse missing a wheel, and one with a changed wheel, each fail the node image's
    build, and the failure names the package."""
    source = repo.resolve() / "build" / "image"
    cases: list[tuple[str, str, Callable[[Path], object], tuple[str, ...]]] = [
        ("structlog", "missing", Path.unlink, ("Could not find a version",)),
        (
            "tenacity",
            "changed",
            lambda wheel: wheel.write_bytes(wheel.read_bytes() + b"\0"),
            ("DO NOT MATCH THE HASHES", "Expected sha256"),
        ),
    ]
    for package, what, spoil, marks in cases:
        with tempfile.TemporaryDirectory(prefix="wpokt-bad-wheelhouse-") as scratch:
            context = Path(scratch) / "image"
            shutil.copytree(source, context)
            wheels = sorted((context / "wheelhouse").glob(f"{package}-*.whl"))
            if not wheels:
                raise EngineError(f"the wheelhouse holds no {package} wheel to spoil")
            spoil(wheels[0])
            result = engine.docker(
                "build", "--file", str(repo / "deploy" / "Dockerfile"),
                "--build-arg", f"BASE={base}", "--tag", BAD_BUILD_TAG, str(context),
                check=False, timeout_s=900,
            )  # fmt: skip
        output = ANSI.sub("", result.stdout + result.stderr)
        named = [
            line.strip()
            for line in output.splitlines()
            if f"{package}==" in line.lower()
            and ("ERROR" in line or "from file:///wheelhouse/" in line)
        ]
        if result.returncode == 0 or not named or not any(mark in output for mark in marks):
            raise EngineError(f"a {what} {package} wheel did not fail the build naming it")
        say(f"  {what} {package} wheel: build refused: {named[0][:120]}")
    engine.docker("image", "rm", "--force", BAD_BUILD_TAG, check=False)


# In the node image: what must not be there, and who it runs as.
# Run by every Python interpreter of the image (the node's venv and the base image's own).
IMAGE_CONTENTS = """
import glob, importlib.util, json, os, shutil
print(json.dumps({'uid': os.getuid(),
    'modules': [m for m in ('pip', 'setuptools', 'wpokt_devnet', 'nx_27017')
                if importlib.util.find_spec(m)],
    'programs': [p for p in ('pip', 'pip3', 'gcc', 'cc', 'c++', 'make') if shutil.which(p)],
    'pip_wheels': glob.glob('/usr/**/pip-*.whl', recursive=True)
                  + glob.glob('/opt/**/pip-*.whl', recursive=True)}))
"""
INTERPRETERS = ("/opt/wpokt/bin/python3", "/usr/local/bin/python3", "/usr/bin/python3")


def node_image_holds_only_the_node(engine: Engine, say: Say) -> None:
    """No pip, no compiler, no devnet or embedded-database code; uid 10001."""
    checked = []
    for interpreter in INTERPRETERS:
        result = engine.docker(
            "run", "--rm", "--read-only", "--entrypoint", interpreter, IMAGE, "-c", IMAGE_CONTENTS,
            check=False, timeout_s=120,
        )  # fmt: skip
        if result.returncode != 0 and "no such file or directory" in result.stderr.lower():
            continue  # this base has no interpreter there
        found = json.loads(result.stdout.strip())
        if found["uid"] != NODE_UID or found["modules"] or found["programs"] or found["pip_wheels"]:
            raise EngineError(f"{IMAGE} holds more than the node ({interpreter}): {found}")
        checked.append(interpreter)
    if INTERPRETERS[0] not in checked:
        raise EngineError(f"{IMAGE} has no {INTERPRETERS[0]}")
    say(f"  {IMAGE}: uid {NODE_UID}; no pip (nor its wheel), setuptools, compiler, devnet or "
        f"nx-27017, for {' and '.join(checked)}")  # fmt: skip


def node_without_config_exits_with_its_error(engine: Engine, say: Say) -> None:
    """The node image with no config, and with a wrong one: a non-zero exit and the node's
    own config error on stderr."""
    missing = engine.docker("run", "--rm", "--read-only", IMAGE, check=False, timeout_s=120)
    if not _refused_clearly(missing, "/etc/wpokt/config.yaml: file not found"):
        raise EngineError(f"a node with no config did not refuse clearly: {missing.stderr!r}")
    say(f"  no config: exit {missing.returncode}: {' '.join(missing.stderr.split())[:100]}")
    with tempfile.TemporaryDirectory(prefix="wpokt-bad-config-") as scratch:
        config = Path(scratch) / "config.yaml"
        config.write_text("node_id: node-01\nmongodb:\n  uri: not-a-uri\n", encoding="utf-8")
        config.chmod(0o644)
        wrong = engine.docker(
            "run", "--rm", "--read-only", "--volume", f"{config}:/etc/wpokt/config.yaml:ro",
            IMAGE, check=False, timeout_s=120,
        )  # fmt: skip
    if not _refused_clearly(wrong, "error: invalid configuration"):
        raise EngineError(f"a node with a wrong config did not refuse clearly: {wrong.stderr!r}")
    say(f"  wrong config: exit {wrong.returncode}: {' '.join(wrong.stderr.split())[:100]}")


def _refused_clearly(result: subprocess.CompletedProcess[str], expected: str) -> bool:
    return result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr


def network_is_internal(cluster: Cluster, say: Say) -> None:
    name = f"{cluster.project}_{NETWORK}"
    internal = cluster.engine.docker("network", "inspect", "--format", "{{.Internal}}", name)
    if internal.stdout.strip() != "true":
        raise EngineError(f"network {name} is not internal: its containers could reach out")
    say(f"  network {name}: internal (no route out of it)")


def node_container_is_locked_down(cluster: Cluster, node: str) -> None:
    container = cluster.container(node)
    info = json.loads(cluster.engine.docker("inspect", container).stdout)[0]
    problems = _configured_problems(info) + _journal_volume_problems(info, cluster.project, node)
    networks = set((info.get("NetworkSettings") or {}).get("Networks") or {})
    if networks != {f"{cluster.project}_{NETWORK}"}:
        problems.append(f"networks {sorted(networks)}")
    if cluster.engine.docker("port", container).stdout.strip():
        problems.append("publishes a port")
    inside = json.loads(
        cluster.engine.docker("exec", container, "python3", "-c", INSIDE).stdout.strip()
    )
    problems += _inside_problems(inside)
    if problems:
        raise EngineError(f"{node}: {'; '.join(problems)}")


def _configured_problems(info: dict[str, Any]) -> list[str]:
    """What ``docker inspect`` says the container may do beyond the node's needs."""
    host, config = info["HostConfig"], info["Config"]
    problems = []
    if host.get("PortBindings") or config.get("ExposedPorts"):
        problems.append(f"port bindings {host.get('PortBindings')} {config.get('ExposedPorts')}")
    if config.get("User") != f"{NODE_UID}:{NODE_UID}":
        problems.append(f"user {config.get('User')!r}")
    if not host.get("ReadonlyRootfs"):
        problems.append("writable root file system")
    if host.get("CapAdd") or "ALL" not in (host.get("CapDrop") or []) or host.get("Privileged"):
        problems.append(f"capabilities add {host.get('CapAdd')} drop {host.get('CapDrop')}")
    if "no-new-privileges:true" not in (host.get("SecurityOpt") or []):
        problems.append("no-new-privileges not set")
    if any("unconfined" in option for option in host.get("SecurityOpt") or []):
        problems.append(f"unconfined security option {host.get('SecurityOpt')}")
    for mode in ("NetworkMode", "PidMode", "IpcMode", "UTSMode", "UsernsMode"):
        if str(host.get(mode) or "") == "host":
            problems.append(f"{mode} host")
    if any(str(m.get("Source", "")).endswith("docker.sock") for m in info.get("Mounts") or []):
        problems.append("the Docker socket is mounted")
    return problems


def _journal_volume_problems(info: dict[str, Any], project: str, node: str) -> list[str]:
    """The journal's folder is the node's own named volume, which outlives the container."""
    journal = [m for m in info.get("Mounts") or [] if m.get("Destination") == "/var/lib/wpokt"]
    wanted = {"Type": "volume", "Name": f"{project}_{node}-data", "RW": True}
    if len(journal) != 1 or any(journal[0].get(k) != v for k, v in wanted.items()):
        return [f"/var/lib/wpokt is not the named volume {wanted['Name']}: {journal}"]
    return []


def _inside_problems(inside: dict[str, Any]) -> list[str]:
    """What the container's own processes hold, as seen from inside it."""
    problems = []
    if inside["uid"] != NODE_UID:
        problems.append(f"runs as uid {inside['uid']}")
    if int(inside["cap_eff"], 16) != 0:
        problems.append(f"effective capabilities {inside['cap_eff']}")
    if inside["listening"]:
        problems.append(f"listening sockets {inside['listening']}")
    if any(not address.startswith(DOCKER_DNS) for address in inside["not_ours"]):
        problems.append(f"listening sockets of another process {inside['not_ours']}")
    if not inside["root_read_only"]:
        problems.append("the root file system is not mounted read-only")
    return problems


def docker_healthchecks_pass(cluster: Cluster, node_ids: list[str], say: Say) -> None:
    """Docker's own HEALTHCHECK (``wpokt-node health``) reports every node healthy."""
    deadline = time.monotonic() + 150
    while True:
        status = {
            node: cluster.engine.docker(
                "inspect", "--format", "{{.State.Health.Status}}", cluster.container(node)
            ).stdout.strip()
            for node in node_ids
        }
        if all(value == "healthy" for value in status.values()):
            say(f"  Docker HEALTHCHECK: all {len(node_ids)} nodes healthy")
            return
        if time.monotonic() > deadline:
            sick = next(node for node, value in status.items() if value != "healthy")
            health = json.loads(cluster.engine.docker(
                "inspect", "--format", "{{json .State.Health}}", cluster.container(sick)
            ).stdout)  # fmt: skip
            last = (health.get("Log") or [{}])[-1]
            raise EngineError(
                f"HEALTHCHECK not healthy: {status}; {sick}'s last check: exit "
                f"{last.get('ExitCode')}: {' '.join(str(last.get('Output', '')).split())[:300]}"
            )
        time.sleep(2.0)


def caught_up(now: dict[str, Any], node: str, killed_ms: int, before: dict[str, Any]) -> bool:
    """The restarted node's four workers have beaten since the kill, and each of its chain
    cursors is past where every node's was when it was killed."""
    mine = now["nodes"].get(node) or {}
    beats = mine.get("workers") or {}
    if len(beats) < 4 or any((b.get("at_ms") or 0) <= killed_ms for b in beats.values()):
        return False
    cursors = mine.get("cursors") or {}
    for name in (before["nodes"].get(node) or {}).get("cursors") or {}:
        furthest = max(int(n["cursors"].get(name, 0)) for n in before["nodes"].values())
        if int(cursors.get(name, 0)) < furthest:
            return False
    return True


def journal_kept_and_single(
    before: list[dict[str, Any]], after: list[dict[str, Any]], node: str
) -> None:
    """Every row of the journal before the kill is still there, and no event has two live
    payloads (one signature per event, whatever the restart)."""

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return (row["source_event"], row["payload_hash"], row["signed_at"], row["description"])

    lost = {key(row) for row in before} - {key(row) for row in after}
    if lost:
        raise EngineError(f"{node}'s journal lost {len(lost)} rows across the restart")
    live = Counter(row["source_event"] for row in after if row.get("retired_at") is None)
    twice = sorted(event for event, count in live.items() if count > 1)
    if twice:
        raise EngineError(f"{node} holds two live payloads for {twice}")
