"""Supervisor: real child processes; restarts, crash-loop exit, and a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from wpokt_node.node.supervisor import EXIT_CRASH_LOOP, RestartPolicy, Supervisor

SLEEPER = "import time\nwhile True:\n    time.sleep(0.05)\n"
CRASHER = "import sys\nsys.exit(7)\n"
STUBBORN = (
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "while True:\n    time.sleep(0.05)\n"
)


class ScriptSupervisor(Supervisor):
    """Runs a small script per worker instead of the real workers (the mechanism under test)."""

    def __init__(self, scripts: dict[str, str], policy: RestartPolicy) -> None:
        super().__init__(
            Path("unused.yaml"),
            workers=list(scripts),
            policy=policy,
            poll_s=0.05,
            launcher=lambda worker: subprocess.Popen([sys.executable, "-c", scripts[worker]]),
        )


def run_in_thread(supervisor: Supervisor) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    # signal handlers can only be installed from the main thread; the thread runs the loop only
    thread = threading.Thread(target=lambda: result.append(supervisor._watch()), daemon=True)
    for child in supervisor._children:
        supervisor._spawn(child)
    thread.start()
    return thread, result


def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return waited == 0


def test_a_killed_worker_is_restarted() -> None:
    supervisor = ScriptSupervisor({"a": SLEEPER, "b": SLEEPER}, RestartPolicy(backoff_base_s=0.1))
    thread, _ = run_in_thread(supervisor)
    try:
        first_a, first_b = supervisor.pids()
        os.kill(first_a, signal.SIGKILL)
        wait_for(lambda: len(supervisor.pids()) == 2 and first_a not in supervisor.pids())
        assert first_b in supervisor.pids()
    finally:
        supervisor.request_stop()
        thread.join(10)
        supervisor._stop_all()
    assert not thread.is_alive()


def test_a_crash_loop_stops_the_node_with_a_non_zero_exit() -> None:
    policy = RestartPolicy(max_restarts=3, window_s=30, backoff_base_s=0.05, backoff_max_s=0.1)
    supervisor = ScriptSupervisor({"crasher": CRASHER, "fine": SLEEPER}, policy)
    thread, result = run_in_thread(supervisor)
    thread.join(20)
    survivors = supervisor.pids()
    supervisor._stop_all()
    assert result == [EXIT_CRASH_LOOP]
    assert survivors  # the healthy worker was still up until the supervisor gave up
    assert all(not alive(pid) for pid in survivors)


def test_stop_kills_a_worker_that_ignores_sigterm_after_the_grace_period() -> None:
    policy = RestartPolicy(stop_grace_s=0.5)
    supervisor = ScriptSupervisor({"stubborn": STUBBORN, "fine": SLEEPER}, policy)
    thread, _ = run_in_thread(supervisor)
    time.sleep(0.3)
    pids = supervisor.pids()
    supervisor.request_stop()
    thread.join(5)
    started = time.monotonic()
    supervisor._stop_all()
    assert time.monotonic() - started < 3
    assert all(not alive(pid) for pid in pids)


@pytest.mark.timeout(60)
def test_sigterm_to_the_supervisor_process_stops_all_within_ten_seconds(tmp_path: Path) -> None:
    script = tmp_path / "sup.py"
    script.write_text(
        "import sys\n"
        "from tests.unit.test_supervisor import ScriptSupervisor, SLEEPER\n"
        "from wpokt_node.node.supervisor import RestartPolicy\n"
        "sup = ScriptSupervisor({'a': SLEEPER, 'b': SLEEPER, 'c': SLEEPER, 'd': SLEEPER},"
        " RestartPolicy())\n"
        "sys.exit(sup.run())\n"
    )
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)}
    )
    try:
        time.sleep(2.0)
        children = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(children) == 4
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
        assert all(not alive(int(pid)) for pid in children)
    finally:
        if proc.poll() is None:
            proc.kill()
