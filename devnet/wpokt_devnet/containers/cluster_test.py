"""``make cluster-test``: the 12-node cluster in containers, proven the way ``make demo`` proves
the process devnet, plus what only containers can show.

1. Images: built from the wheelhouse on the local or official base; a wheelhouse missing a
   wheel and one with a changed wheel both fail the build naming the package; the node image
   without a config exits with the node's config error.
2. The air-gapped compose file for N nodes, up: a deposit minted, a burn paid, a bad memo
   refunded, the supply invariants checked (``devnet round-trip`` in a container on the
   cluster's internal network).
3. Every node container: no published port and no listening socket, uid 10001, read-only root,
   no capability, ``no-new-privileges``, Docker's HEALTHCHECK healthy.
4. One node's supervisor killed: the restart policy brings it back; it catches up with the
   others; its signing journal (a named volume) keeps every row, and no signature is given twice.
5. ``down -v``: no container, network or volume of the project is left; an engine this test
   started is stopped and its folder removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wpokt_devnet.compose import NODE_CONFIG, STATE_DIR, render_compose
from wpokt_devnet.containers import checks
from wpokt_devnet.containers.engine import Engine, EngineError, ensure_engine, run
from wpokt_devnet.containers.images import build_images, image_sizes_text

PROJECT = "wpokt-cluster-test"
KILLED_NODE = "node-05"
Say = Callable[[str], None]


@dataclass
class Cluster:
    """One compose project on one engine."""

    engine: Engine
    compose_file: Path
    project: str = PROJECT

    def compose(self, *args: str, quiet: bool = True, timeout_s: float = 900.0) -> str:
        argv = (*self.engine.compose, "--project-name", self.project, "-f", str(self.compose_file))
        return run((*argv, *args), self.engine.env, timeout_s=timeout_s, quiet=quiet).stdout or ""

    def container(self, service: str) -> str:
        found = self.compose("ps", "-q", service).split()
        if not found:
            raise EngineError(f"no container for {service}")
        return found[0]

    def tool(self, *argv: str, quiet: bool = True, timeout_s: float = 600.0) -> str:
        """``argv`` in a devnet-image container on the cluster's network (the setup service's
        volumes: the devnet state with its test keys)."""
        return self.compose(
            "run", "--rm", "--no-deps", "--entrypoint", argv[0], "setup", *argv[1:],
            quiet=quiet, timeout_s=timeout_s,
        )  # fmt: skip

    def probe(self) -> dict[str, Any]:
        text = self.tool("python", "-m", "wpokt_devnet.containers.probe", "--dir", STATE_DIR)
        facts: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
        return facts

    def journal(self, node: str) -> list[dict[str, Any]]:
        out = "/tmp/journal-export.json"  # noqa: S108 (the container's own tmpfs)
        script = (
            f"rm -f {out} && wpokt-node journal export --config {NODE_CONFIG} --out {out} "
            f">/dev/null && cat {out} && rm -f {out}"
        )
        text = self.engine.docker("exec", self.container(node), "sh", "-c", script).stdout
        payloads: list[dict[str, Any]] = json.loads(text)["payloads"]
        return payloads


@dataclass
class Report:
    timings: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        lines = ["== images", image_sizes_text(self.sizes), "== timings"]
        lines += [f"  {name:<34} {seconds:6.1f} s" for name, seconds in self.timings.items()]
        return "\n".join(lines)


def run_cluster_test(
    repo: Path,
    *,
    nodes: int = 12,
    threshold: int = 9,
    base: str = "auto",
    keep: bool = False,
    say: Say = print,
) -> Report:
    report = Report()
    began = time.monotonic()
    engine = ensure_engine(say)
    folder = Path(tempfile.mkdtemp(prefix="wpokt-cluster-test-"))
    cluster = Cluster(engine, folder / "docker-compose.yml")
    try:
        with _step(report, "images built", say):
            built = build_images(engine, repo, base, say)
            report.sizes = built.sizes
        with _step(report, "bad builds and configs refused", say):
            checks.bad_wheelhouses_fail_naming_the_package(engine, repo, built.base, say)
            checks.node_without_config_exits_with_its_error(engine, say)
        cluster.compose_file.write_text(render_compose(nodes, threshold, air_gapped=True))
        _down_quietly(cluster)  # what an interrupted run on this engine may have left
        _check_clean(cluster)
        with _step(report, f"{nodes} nodes up (setup included)", say):
            cluster.compose("up", "--detach", "--no-build", timeout_s=1200)
        with _step(report, "deposit, burn and refund bridged", say):
            say(cluster.tool("wpokt-node", "devnet", "round-trip", "--dir", STATE_DIR,
                             "--wait-nodes", "240"))  # fmt: skip
        with _step(report, "container security checked", say):
            node_ids = [f"node-{i:02d}" for i in range(1, nodes + 1)]
            checks.network_is_internal(cluster, say)
            for node in node_ids:
                checks.node_container_is_locked_down(cluster, node)
            say(f"  {nodes} node containers: no port, no listener, uid 10001, read-only, no caps")
            checks.docker_healthchecks_pass(cluster, node_ids, say)
        with _step(report, "killed node restarted and caught up", say):
            _kill_and_catch_up(cluster, say)
        with _step(report, "down -v, nothing left", say):
            cluster.compose("down", "--volumes", "--remove-orphans", timeout_s=300)
            _check_clean(cluster)
    except BaseException:
        if not keep:
            _down_quietly(cluster)
        raise
    finally:
        if not keep:
            engine.stop()
            shutil.rmtree(folder, ignore_errors=True)
    report.timings["total"] = time.monotonic() - began
    return report


class _step:  # noqa: N801 (used as a context manager, reads like a statement)
    def __init__(self, report: Report, name: str, say: Say) -> None:
        self.report, self.name, self.say = report, name, say

    def __enter__(self) -> None:
        self.say(f"== {self.name} …")
        self.began = time.monotonic()

    def __exit__(self, kind: object, *_rest: object) -> None:
        if kind is None:
            self.report.timings[self.name] = time.monotonic() - self.began
            self.say(f"   ok ({self.report.timings[self.name]:.1f} s)")


def _kill_and_catch_up(cluster: Cluster, say: Say) -> None:
    node = KILLED_NODE
    before = cluster.journal(node)
    container = cluster.container(node)
    restarts, pid = _restart_count_and_pid(cluster, container)
    at_kill = cluster.probe()
    killed_ms = int(time.time() * 1000)
    _kill_from_host(cluster, container, pid)
    say(f"  {node}: supervisor (host pid {pid}) killed with SIGKILL")
    _wait(f"{node} restarted by its restart policy", 60, lambda: (
        _restart_count_and_pid(cluster, container)[0] > restarts
        and _running(cluster, container)
    ))  # fmt: skip
    say(f"  {node}: restarted by Docker (restart count {restarts + 1})")
    say(cluster.tool("wpokt-node", "devnet", "round-trip", "--dir", STATE_DIR,
                     "--wait-nodes", "240"))  # fmt: skip
    _wait(f"{node} caught up", 120, lambda: checks.caught_up(
        cluster.probe(), node, killed_ms, at_kill
    ))  # fmt: skip
    after = cluster.journal(node)
    checks.journal_kept_and_single(before, after, node)
    facts = cluster.probe()
    if facts["signed_twice"]:
        raise EngineError(f"a node signed twice: {facts['signed_twice']}")
    say(f"  {node}: caught up; journal {len(before)} -> {len(after)} rows, none lost, "
        "one live payload per event; no signer twice on any entry")  # fmt: skip


def _restart_count_and_pid(cluster: Cluster, container: str) -> tuple[int, int]:
    text = cluster.engine.docker(
        "inspect", "--format", "{{.RestartCount}} {{.State.Pid}}", container
    ).stdout
    count, pid = text.split()
    return int(count), int(pid)


def _running(cluster: Cluster, container: str) -> bool:
    text = cluster.engine.docker("inspect", "--format", "{{.State.Running}}", container).stdout
    return text.strip() == "true"


def _kill_from_host(cluster: Cluster, container: str, pid: int) -> None:
    """A crash, not a stop: SIGKILL to the container's first process from the host (root).
    ``docker kill`` would count as a manual stop, which a restart policy honours."""
    if os.geteuid() == 0 and pid > 0:
        os.kill(pid, signal.SIGKILL)
        return
    raise EngineError("killing a container's process as a crash needs root on the engine's host")


def _wait(what: str, timeout_s: float, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise EngineError(f"timed out after {timeout_s:.0f}s waiting for: {what}")
        time.sleep(1.0)


def _check_clean(cluster: Cluster) -> None:
    label = f"label=com.docker.compose.project={cluster.project}"
    left = {
        kind: cluster.engine.docker(*command, "--quiet", "--filter", label).stdout.split()
        for kind, command in (
            ("containers", ("ps", "--all")),
            ("networks", ("network", "ls")),
            ("volumes", ("volume", "ls")),
        )
    }
    remaining = {kind: ids for kind, ids in left.items() if ids}
    if remaining:
        raise EngineError(f"project {cluster.project} left behind: {remaining}")


def _down_quietly(cluster: Cluster) -> None:
    if cluster.compose_file.is_file():
        with contextlib.suppress(EngineError):
            cluster.compose("down", "--volumes", "--remove-orphans", timeout_s=300)
