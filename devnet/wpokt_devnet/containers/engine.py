"""A Docker engine to build and run the container cluster on: the one already running, or one
this process installs (Debian's ``docker.io``) and starts with its own data root and socket.

An engine this process started is stopped by its pid, and its folder removed, by ``stop``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wpokt_devnet.processes import is_alive
from wpokt_node.errors import WpoktError

DEBIAN_PACKAGES = ("docker.io", "docker-compose")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


class EngineError(WpoktError):
    """No Docker engine runs and none can be started here."""


@dataclass
class Engine:
    """How to reach one Docker engine; ``pid`` and ``folder`` only when this process started it."""

    env: dict[str, str]
    compose: tuple[str, ...]
    pid: int | None = None
    folder: Path | None = None
    log: Path | None = None
    started_here: bool = field(default=False)

    def docker(
        self, *args: str, check: bool = True, timeout_s: float = 600.0, quiet: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker ARGS`` against this engine; a failure raises with its stderr."""
        return run(("docker", *args), self.env, check=check, timeout_s=timeout_s, quiet=quiet)

    def stop(self) -> None:
        """Stop the engine if this process started it (SIGTERM, then SIGKILL), remove its folder."""
        if not self.started_here or self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while is_alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if is_alive(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.folder is not None:
            _unmount_below(self.folder)
            shutil.rmtree(self.folder, ignore_errors=True)
        self.pid = None


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    check: bool = True,
    timeout_s: float = 600.0,
    quiet: bool = True,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(argv),
        env=dict(env),
        capture_output=quiet,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip().splitlines()
        tail = " | ".join(line.strip() for line in detail[-5:]) or f"exit {result.returncode}"
        command = " ".join(argv)
        command = command if len(command) <= 160 else command[:157] + "…"
        raise EngineError(f"`{command}` failed (exit {result.returncode}): {tail}")
    return result


def _unmount_below(folder: Path) -> None:
    """Overlay and shm mounts a killed daemon may leave under its data root."""
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    targets = [line.split()[1] for line in mounts if line.split()[1].startswith(str(folder))]
    for target in sorted(targets, key=len, reverse=True):
        subprocess.run(["umount", "-l", target], check=False, capture_output=True)


def _responds(env: Mapping[str, str]) -> bool:
    try:
        result = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def _compose_command(env: Mapping[str, str]) -> tuple[str, ...]:
    plugin = subprocess.run(
        ["docker", "compose", "version"], env=dict(env), capture_output=True, check=False
    )
    if plugin.returncode == 0:
        return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    raise EngineError(
        "no Docker Compose: neither `docker compose` nor `docker-compose` is installed "
        "(Debian: apt-get install docker-compose)"
    )


def install_packages(packages: Sequence[str]) -> None:
    if os.geteuid() != 0:
        raise EngineError(
            f"no Docker engine runs and installing one needs root: "
            f"sudo apt-get install {' '.join(packages)}, or start dockerd and set DOCKER_HOST"
        )
    if not shutil.which("apt-get"):
        raise EngineError("no Docker engine runs and this machine has no apt-get to install one")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
            raise EngineError(f"could not install {' '.join(packages)}: {' '.join(tail)}")


def ensure_engine(say: Callable[[str], None] = print) -> Engine:
    """The running engine (``DOCKER_HOST`` or the default socket), else one started here."""
    env = dict(os.environ)
    if shutil.which("docker") and _responds(env):
        return Engine(env, _compose_command(env))
    missing = [
        package
        for package, binary in zip(DEBIAN_PACKAGES, ("dockerd", "docker-compose"), strict=True)
        if not shutil.which(binary)
    ]
    if missing:
        say(f"installing {' '.join(missing)} (Debian packages)")
        install_packages(missing)
        if _responds(env):  # the package's own service started (a host with systemd)
            return Engine(env, _compose_command(env))
    if os.geteuid() != 0:
        raise EngineError("no Docker engine runs and starting dockerd needs root")
    return _start_daemon(say)


def _start_daemon(say: Callable[[str], None]) -> Engine:
    folder = Path(tempfile.mkdtemp(prefix="wpokt-dockerd-"))
    socket = folder / "docker.sock"
    log = folder / "dockerd.log"
    argv = [
        "dockerd",
        "--data-root",
        str(folder / "root"),
        "--exec-root",
        str(folder / "exec"),
        "--pidfile",
        str(folder / "dockerd.pid"),
        "--host",
        f"unix://{socket}",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    env = {**os.environ, "DOCKER_HOST": f"unix://{socket}"}
    engine = Engine(env, (), process.pid, folder, log, started_here=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _responds(env):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            engine.stop()
            raise EngineError(f"dockerd did not start: {' '.join(tail) or 'no output'}")
        time.sleep(0.3)
    engine.compose = _compose_command(env)
    say(f"started dockerd (pid {process.pid}) at {socket}")
    return engine
