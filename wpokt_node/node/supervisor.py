"""The node supervisor: starts the four workers as OS processes and keeps them running.

Workers are forked from a fork server (``multiprocessing``'s ``forkserver``) that imported the
node's code once: a worker starts in milliseconds instead of seconds of imports, and the
workers share those pages. The fork server is a fresh single-threaded process, so no lock
held by a thread of the supervisor (e.g. its startup checks' database client) is inherited.

A worker that dies is restarted after an exponential backoff. More than
``RestartPolicy.max_restarts`` restarts of one worker inside ``window_s`` is a crash loop: the
supervisor stops everything and exits non-zero, so systemd/Docker restarts the whole node.
SIGTERM/SIGINT stop all workers (SIGTERM, then SIGKILL after the grace period).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Protocol

from wpokt_node.logs import get_logger

log = get_logger(__name__)

WORKER_NAMES: tuple[str, ...] = (
    "pokt-watcher",
    "mint-executor",
    "burn-watcher",
    "release-executor",
)
EXIT_CRASH_LOOP = 3
WORKER_MODULE = "wpokt_node.node.worker_main"
PREFLIGHT_MODULE = "wpokt_node.node.preflight"


def _start_worker(config: str, worker: str) -> None:
    """A worker's process (the fork server imported its module, so this is instant)."""
    importlib.import_module(WORKER_MODULE).run_worker(config, worker)


def _preflight(config: str) -> None:
    sys.exit(importlib.import_module(PREFLIGHT_MODULE).main(config))


class WorkerProcess(Protocol):
    """What the supervisor needs of a running worker (``subprocess.Popen`` has it)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; raises ``subprocess.TimeoutExpired`` if still running."""
        ...


Launcher = Callable[[str], WorkerProcess]


class _ForkedWorker:
    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self._process.kill()

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self._process.name}", timeout or 0.0)
        return code


class ForkServerLauncher:
    """Starts ``worker_main.run_worker(config, worker)`` in a process forked from the server.
    The supervisor names the worker's code only by module: it never imports it."""

    def __init__(self, config_path: Path) -> None:
        self._config = str(config_path.resolve())
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([WORKER_MODULE, PREFLIGHT_MODULE])

    def __call__(self, worker: str) -> WorkerProcess:
        process = self._context.Process(
            target=_start_worker, args=(self._config, worker), name=worker
        )
        process.start()
        return _ForkedWorker(process)

    def preflight(self) -> int:
        """Run the startup checks (``node.preflight``) in a forked process; its exit status."""
        process = self._context.Process(target=_preflight, args=(self._config,), name="checks")
        process.start()
        process.join()
        return process.exitcode if process.exitcode is not None else 1


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    max_restarts: int = 5
    window_s: float = 60.0
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    stop_grace_s: float = 8.0

    def backoff(self, recent_restarts: int) -> float:
        exponent = max(recent_restarts - 1, 0)
        return min(self.backoff_base_s * 2.0**exponent, self.backoff_max_s)


@dataclass(slots=True)
class _Child:
    name: str
    process: WorkerProcess | None = None
    restarts: deque[float] = field(default_factory=deque)
    restart_at: float | None = None


class Supervisor:
    def __init__(
        self,
        config_path: Path,
        *,
        workers: Sequence[str] = WORKER_NAMES,
        policy: RestartPolicy | None = None,
        poll_s: float = 0.2,
        launcher: Launcher | None = None,
    ) -> None:
        self._launcher = launcher or ForkServerLauncher(config_path)
        self._policy = policy or RestartPolicy()
        self._poll_s = poll_s
        self._children = [_Child(name) for name in workers]
        self._stopping = False

    def _spawn(self, child: _Child) -> None:
        child.process = self._launcher(child.name)
        child.restart_at = None
        log.info("worker started", worker=child.name, pid=child.process.pid)

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if not self._stopping:
            log.info("stop requested", signal=signum)
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        for child in self._children:
            self._spawn(child)
        try:
            return self._watch()
        finally:
            self._stop_all()

    def _watch(self) -> int:
        while not self._stopping:
            now = time.monotonic()
            for child in self._children:
                if child.process is not None:
                    code = child.process.poll()
                    if code is None:
                        continue
                    child.process = None
                    while child.restarts and now - child.restarts[0] > self._policy.window_s:
                        child.restarts.popleft()
                    child.restarts.append(now)
                    if len(child.restarts) > self._policy.max_restarts:
                        log.error(
                            "crash loop: giving up",
                            worker=child.name,
                            exit_code=code,
                            restarts=len(child.restarts),
                            window_s=self._policy.window_s,
                        )
                        return EXIT_CRASH_LOOP
                    delay = self._policy.backoff(len(child.restarts))
                    child.restart_at = now + delay
                    log.warning(
                        "worker died", worker=child.name, exit_code=code, restart_in_s=delay
                    )
                elif child.restart_at is not None and now >= child.restart_at:
                    self._spawn(child)
            time.sleep(self._poll_s)
        return 0

    def _stop_all(self) -> None:
        running = [c.process for c in self._children if c.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._policy.stop_grace_s
        for process in running:
            remaining = deadline - time.monotonic()
            try:
                process.wait(timeout=max(remaining, 0.01))
            except subprocess.TimeoutExpired:
                log.warning("worker did not stop in time; killing", pid=process.pid)
                process.kill()
                process.wait()
        for child in self._children:
            child.process = None

    def pids(self) -> list[int]:
        return [c.process.pid for c in self._children if c.process is not None]


def supervise(
    config_path: Path, policy: RestartPolicy | None = None, *, startup_checks: bool = True
) -> int:
    """Run the startup checks (unless told not to), then the workers until stopped."""
    log.info("supervisor starting", pid=os.getpid(), config=str(config_path))
    launcher = ForkServerLauncher(config_path)
    if startup_checks and launcher.preflight() != 0:
        return 1
    return Supervisor(config_path, policy=policy, launcher=launcher).run()
