"""Detached service processes for the devnet: started in their own session, recorded by pid,
stopped by process group, so ``devnet down`` (another process) can end them and their children."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    pid: int
    argv: tuple[str, ...]
    log: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["argv"] = list(self.argv)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Service:
        return cls(str(data["name"]), int(data["pid"]), tuple(data["argv"]), str(data["log"]))


def spawn(
    name: str, argv: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None
) -> Service:
    """Start ``argv`` detached (new session), stdout+stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env if env is not None else os.environ),
            start_new_session=True,
        )
    return Service(name, process.pid, tuple(argv), str(log_path))


def is_alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass  # not our child: fall back to a signal probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state != "Z"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)  # the service leads its own session: pgid == pid


def stop(services: Sequence[Service], grace_s: float = 10.0) -> list[str]:
    """SIGTERM every service's process group, wait up to ``grace_s``, then SIGKILL what is left.
    Returns the names of services that had to be killed."""
    for service in services:
        signal_group(service.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            is_alive(service.pid)  # reap our own children
            if not _group_alive(service.pid):
                pending.remove(service)
        time.sleep(0.05)
    for service in pending:
        signal_group(service.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_group_alive(s.pid) for s in pending):
        for service in pending:
            is_alive(service.pid)
        time.sleep(0.05)
    return [s.name for s in pending]


def kill_hard(service: Service) -> None:
    """SIGKILL the whole service (fault injection)."""
    signal_group(service.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _group_alive(service.pid):
        is_alive(service.pid)
        time.sleep(0.02)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only this user can read (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def stop_child(process: subprocess.Popen[bytes] | None, grace_s: float) -> None:
    """Stop a child process of ours: SIGTERM, then SIGKILL after ``grace_s``."""
    if process is None or process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=grace_s)


def serve_until_signal(
    start: Callable[[], object], stop: Callable[[], None], ready: Callable[[], str]
) -> None:
    """Run a simulator in the foreground: ``start``, print its ``ready()`` line, wait for
    SIGTERM or SIGINT, then ``stop`` (and restore the previous signal handlers)."""
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        start()
        print(ready(), flush=True)
        stopping.wait()
    finally:
        stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
