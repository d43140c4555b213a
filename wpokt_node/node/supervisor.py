"""The node supervisor: starts the four workers as OS processes and keeps them running.

A worker that dies is restarted after an exponential backoff. More than
``RestartPolicy.max_restarts`` restarts of one worker inside ``window_s`` is a crash loop: the
supervisor stops everything and exits non-zero, so systemd/Docker restarts the whole node.
SIGTERM/SIGINT stop all workers (SIGTERM, then SIGKILL after the grace period).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from wpokt_node.logs import get_logger

log = get_logger(__name__)

WORKER_NAMES: tuple[str, ...] = (
    "pokt-watcher",
    "mint-executor",
    "burn-watcher",
    "release-executor",
)
EXIT_CRASH_LOOP = 3


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
    process: subprocess.Popen[bytes] | None = None
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
    ) -> None:
        self._config_path = config_path
        self._policy = policy or RestartPolicy()
        self._poll_s = poll_s
        self._children = [_Child(name) for name in workers]
        self._stopping = False

    def command_for(self, worker: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "wpokt_node.node.worker_main",
            "--config",
            str(self._config_path),
            "--worker",
            worker,
        ]

    def _spawn(self, child: _Child) -> None:
        child.process = subprocess.Popen(self.command_for(child.name))
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


def supervise(config_path: Path, policy: RestartPolicy | None = None) -> int:
    log.info("supervisor starting", pid=os.getpid(), config=str(config_path))
    return Supervisor(config_path, policy=policy).run()
