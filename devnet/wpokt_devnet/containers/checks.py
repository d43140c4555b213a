"""The cluster test's checks of images and containers; each raises ``EngineError`` naming what
it found, or returns quietly."""

from __future__ import annotations

import json
import re
import shutil
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
# Inside a node container: uid, effective capabilities of its first process, and the TCP sockets
# in LISTEN (state 0A) and bound UDP sockets of its network namespace that a process of the
# container holds (by socket inode in /proc/<pid>/fd). Docker's embedded DNS server listens on
# 127.0.0.11 in every container on a user-defined network, but dockerd holds those sockets, so
# they are listed apart. And whether the root file system takes a write.
INSIDE = """
import json, os
def sockets(name, listening_only):
    rows = [r.split() for r in open('/proc/net/' + name).read().splitlines()[1:]]
    return {r[9]: r[1] for r in rows if not listening_only or r[3] == '0A'}
found = {**sockets('tcp', True), **sockets('tcp6', True), **sockets('udp', False),
         **sockets('udp6', False)}
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
try:
    open('/opt/wpokt/written-by-check', 'w').close(); writable = True
except OSError:
    writable = False
print(json.dumps({'uid': os.getuid(), 'cap_eff': status['CapEff'].strip(),
    'listening': sorted(a for i, a in found.items() if i in held),
    'not_ours': sorted(a for i, a in found.items() if i not in held),
    'root_writable': writable}))
"""


def bad_wheelhouses_fail_naming_the_package(
    engine: Engine, repo: Path, base: str, say: Say
) -> None:
    """A wheelhouse missing a wheel, and one with a changed wheel, each fail the node image's
    build, and the failure names the package."""
    source = repo.resolve() / "build" / "image"
    cases: list[tuple[str, str, Callable[[Path], object]]] = [
        ("structlog", "missing", Path.unlink),
        ("tenacity", "changed", lambda wheel: wheel.write_bytes(wheel.read_bytes() + b"\0")),
    ]
    for package, what, spoil in cases:
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
            if package in line.lower() and ("ERROR" in line or "==" in line)
        ]
        if result.returncode == 0 or not named:
            raise EngineError(f"a {what} {package} wheel did not fail the build naming it")
        say(f"  {what} {package} wheel: build refused: {named[0][:120]}")
    engine.docker("image", "rm", "--force", BAD_BUILD_TAG, check=False)


def node_without_config_exits_with_its_error(engine: Engine, say: Say) -> None:
    """The node image with no config, and with a wrong one: a non-zero exit and the node's
    own config error on stderr."""
    missing = engine.docker("run", "--rm", "--read-only", IMAGE, check=False, timeout_s=120)
    if missing.returncode == 0 or "/etc/wpokt/config.yaml" not in missing.stderr:
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
    if wrong.returncode == 0 or "invalid configuration" not in wrong.stderr:
        raise EngineError(f"a node with a wrong config did not refuse clearly: {wrong.stderr!r}")
    say(f"  wrong config: exit {wrong.returncode}: {' '.join(wrong.stderr.split())[:100]}")


def network_is_internal(cluster: Cluster, say: Say) -> None:
    name = f"{cluster.project}_{NETWORK}"
    internal = cluster.engine.docker("network", "inspect", "--format", "{{.Internal}}", name)
    if internal.stdout.strip() != "true":
        raise EngineError(f"network {name} is not internal: its containers could reach out")
    say(f"  network {name}: internal (no route out of it)")


def node_container_is_locked_down(cluster: Cluster, node: str) -> None:
    container = cluster.container(node)
    info = json.loads(cluster.engine.docker("inspect", container).stdout)[0]
    problems = _configured_problems(info)
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
    return problems


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
    if inside["root_writable"]:
        problems.append("could write under /opt")
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
