"""``make cluster-test``: the 12-node cluster in containers, proven the way ``make demo`` proves
the process devnet, plus what only containers can show.

1. Images: built from the wheelhouse on the local or official base; the node image holds no
   pip, compiler or devnet code; a wheelhouse missing a wheel and one with a changed wheel both
   fail the build naming the package; the node image without a config, or with a wrong one,
   exits with the node's config error.
2. The air-gapped compose file for N nodes, up: a deposit minted, a burn paid, a bad memo
   refunded, the supply invariants checked (``devnet round-trip`` in a container on the
   cluster's internal network).
3. Every node container: no published port and no listening socket, uid 10001, read-only root,
   no capability, ``no-new-privileges``, Docker's HEALTHCHECK healthy.
4. One node crashes right after signing a payout that cannot execute yet (``crash.py``): the
   restart policy brings it back, the payout executes, it catches up with the others, its
   signing journal (a named volume) keeps every row, and no signature is given twice.
5. ``down -v``: no container, network or volume of the project is left; an engine this test
   started is stopped and its folder removed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wpokt_devnet.compose import NODE_CONFIG, STATE_DIR, render_compose
from wpokt_devnet.containers import checks
from wpokt_devnet.containers.crash import crash_mid_signing
from wpokt_devnet.containers.engine import Engine, EngineError, ensure_engine, run
from wpokt_devnet.containers.images import build_images, image_sizes_text

PROJECT = "wpokt-cluster-test"
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
            "run", "--rm", "-T", "--no-deps", "--entrypoint", argv[0], "setup", *argv[1:],
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
        lines += [f"  {name:<50} {seconds:6.1f} s" for name, seconds in self.timings.items()]
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
    with _step(report, "engine ready", say):
        engine = ensure_engine(say)
    folder = Path(tempfile.mkdtemp(prefix="wpokt-cluster-test-"))
    cluster = Cluster(engine, folder / "docker-compose.yml")
    try:
        with _step(report, "images built", say):
            built = build_images(engine, repo, base, say)
            report.sizes = built.sizes
        with _step(report, "image contents; bad builds and configs refused", say):
            checks.node_image_holds_only_the_node(engine, say)
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
        with _step(report, "a node crashed mid-signing, restarted, caught up", say):
            crash_mid_signing(cluster, nodes, threshold, say)
        with _step(report, "down -v, nothing left", say):
            cluster.compose("down", "--volumes", "--remove-orphans", timeout_s=300)
            _check_clean(cluster)
    except BaseException:
        _keep_evidence(cluster, repo, say)
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


def _keep_evidence(cluster: Cluster, repo: Path, say: Say) -> None:
    """On a failure: every container's last log lines and the engine's log, kept under
    ``build/cluster-test/`` (the engine's own folder goes with it)."""
    folder = repo / "build" / "cluster-test"
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(EngineError, OSError, subprocess.TimeoutExpired):
        if cluster.compose_file.is_file():
            logs = cluster.compose("logs", "--no-color", "--tail", "60", timeout_s=120)
            (folder / "compose.log").write_text(logs, encoding="utf-8")
    if cluster.engine.log is not None and cluster.engine.log.is_file():
        shutil.copyfile(cluster.engine.log, folder / "dockerd.log")
    say(f"containers' and engine's logs kept in {folder}")


def _down_quietly(cluster: Cluster) -> None:
    if cluster.compose_file.is_file():
        with contextlib.suppress(EngineError):
            cluster.compose("down", "--volumes", "--remove-orphans", timeout_s=300)
