"""A node container crashes right after it signed a payout that has not executed yet.

N − T + 1 other nodes are stopped first, so a deposit gathers signatures but cannot reach T.
Once node-05 has signed it, its supervisor is SIGKILLed from the host (a crash: ``docker kill``
would count as a manual stop, which ``restart: unless-stopped`` honours). Docker restarts it;
the stopped nodes come back; the deposit is minted. Then: node-05's workers beat again and its
chain cursors pass where every node's were at the kill; its journal (the named volume) kept
every row, including the in-flight signature; it holds one live payload per event; no entry
carries one signer twice.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wpokt_devnet.compose import STATE_DIR
from wpokt_devnet.containers import checks
from wpokt_devnet.containers.engine import EngineError

if TYPE_CHECKING:
    from wpokt_devnet.containers.cluster_test import Cluster

KILLED_NODE = "node-05"
DEPOSIT_UPOKT = "7000000"
Say = Callable[[str], None]


def crash_mid_signing(cluster: Cluster, nodes: int, threshold: int, say: Say) -> None:
    node = KILLED_NODE
    held = [f"node-{i:02d}" for i in range(1, nodes + 1) if f"node-{i:02d}" != node]
    held = held[-(nodes - threshold + 1) :]
    cluster.compose("stop", *held, timeout_s=120)
    say(f"  stopped {len(held)} nodes ({held[0]}..{held[-1]}): {nodes - len(held)} < {threshold}")
    tx = _deposit(cluster)
    entry = wait_for(
        f"{node} to sign deposit {tx[:12]}…", 180, lambda: _signed_by(cluster, tx, node)
    )
    if entry["status"] == "executed":
        raise EngineError(f"deposit {tx} executed with {len(held)} nodes stopped")
    before = cluster.journal(node)
    if entry["source_event"] not in {row["source_event"] for row in before}:
        raise EngineError(f"{node} signed {tx} but its journal does not hold it")
    container = cluster.container(node)
    restarts, pid = restart_count_and_pid(cluster, container)
    at_kill = cluster.probe()
    killed_ms = int(time.time() * 1000)
    kill_container_process(container, pid)
    say(f"  {node} signed the pending deposit ({len(entry['signers'])} signatures), then its "
        f"supervisor (host pid {pid}) was killed with SIGKILL")  # fmt: skip
    wait_for(f"{node} restarted by its restart policy", 60, lambda: (
        restart_count_and_pid(cluster, container)[0] > restarts and _running(cluster, container)
    ))  # fmt: skip
    cluster.compose("start", *held, timeout_s=120)
    say(f"  {node} restarted by Docker; {len(held)} stopped nodes started again")
    wait_for(
        f"deposit {tx[:12]}… executed", 240, lambda: _entry(cluster, tx)["status"] == "executed"
    )
    wait_for(f"{node} caught up", 120, lambda: checks.caught_up(
        cluster.probe(), node, killed_ms, at_kill
    ))  # fmt: skip
    after = cluster.journal(node)
    checks.journal_kept_and_single(before, after, node)
    twice = cluster.probe()["signed_twice"]
    if twice:
        raise EngineError(f"a node signed twice: {twice}")
    say(
        f"  deposit minted; {node} caught up; its journal kept all {len(before)} rows "
        f"({len(after)} now), one live payload per event; no signer twice on any entry"
    )


def _deposit(cluster: Cluster) -> str:
    shown = cluster.tool("wpokt-node", "devnet", "show", "--dir", STATE_DIR)
    user = re.search(r"^eth user\s+(0x[0-9a-fA-F]{40})", shown, re.MULTILINE)
    if user is None:
        raise EngineError(f"`devnet show` names no eth user: {shown[:200]!r}")
    out = cluster.tool(
        "wpokt-node", "devnet", "deposit", "--dir", STATE_DIR,
        "--amount", DEPOSIT_UPOKT, "--eth-address", user.group(1),
    )  # fmt: skip
    tx = re.search(r"tx (\S+)", out)
    if tx is None:
        raise EngineError(f"`devnet deposit` printed no tx: {out[:200]!r}")
    return tx.group(1)


def _entry(cluster: Cluster, tx: str) -> dict[str, Any]:
    found = [e for e in cluster.probe()["entries"] if e["transaction_hash"] == tx]
    return found[0] if found else {"status": None, "signers": [], "source_event": None}


def _signed_by(cluster: Cluster, tx: str, node: str) -> dict[str, Any] | None:
    entry = _entry(cluster, tx)
    return entry if node in entry["signers"] else None


def restart_count_and_pid(cluster: Cluster, container: str) -> tuple[int, int]:
    text = cluster.engine.docker(
        "inspect", "--format", "{{.RestartCount}} {{.State.Pid}}", container
    ).stdout
    count, pid = text.split()
    return int(count), int(pid)


def _running(cluster: Cluster, container: str) -> bool:
    text = cluster.engine.docker("inspect", "--format", "{{.State.Running}}", container).stdout
    return text.strip() == "true"


def kill_container_process(container: str, pid: int) -> None:
    """SIGKILL ``pid`` from the host, once its cgroup shows it is ``container``'s (the engine
    may live in another pid namespace, where the number is someone else's)."""
    if os.geteuid() != 0:
        raise EngineError(
            "killing a container's process as a crash needs root on the engine's host"
        )
    try:
        cgroup = Path(f"/proc/{pid}/cgroup").read_text(encoding="utf-8")
    except OSError:
        cgroup = ""
    if pid <= 0 or container not in cgroup:
        raise EngineError(
            f"host pid {pid} is not container {container[:12]}'s (is the engine on this host?)"
        )
    os.kill(pid, signal.SIGKILL)


def wait_for(what: str, timeout_s: float, done: Callable[[], Any]) -> Any:
    """Poll ``done`` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = done()
        if result:
            return result
        if time.monotonic() > deadline:
            raise EngineError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(1.0)
