"""The worker loop keeps going through failures; the entry step guard isolates bad entries."""

from __future__ import annotations

import io
import random
import sys
import threading

import pytest

from wpokt_node.errors import NotReadyError
from wpokt_node.logs import configure_logging, get_logger
from wpokt_node.node.worker import LoopPolicy, LoopState, next_delay, run_loop
from wpokt_node.payout.steps import run_entry_step


class Flaky:
    """Fails on the passes listed in ``failing``; counts its passes."""

    def __init__(self, failing: set[int]) -> None:
        self.failing = failing
        self.passes = 0

    def run_once(self) -> dict[str, object]:
        self.passes += 1
        if self.passes in self.failing:
            raise RuntimeError(f"pass {self.passes} broke")
        return {"pass": self.passes}


def test_a_failing_pass_is_recorded_and_the_loop_goes_on() -> None:
    task = Flaky(failing={2, 3})
    beats: list[tuple[int, int, str | None]] = []

    def heartbeat(state: LoopState) -> None:
        beats.append((state.passes, state.consecutive_errors, state.last_error))

    policy = LoopPolicy(interval_s=0.001, error_backoff_max_s=0.01)
    state = run_loop(task, policy, threading.Event(), heartbeat, max_passes=5)
    assert task.passes == 5
    assert beats[1] == (2, 1, "RuntimeError: pass 2 broke")
    assert beats[2][1] == 2
    assert beats[3] == (4, 0, None)
    assert state.last_result == {"pass": 5}


def test_a_failing_heartbeat_does_not_stop_the_loop() -> None:
    def broken(_state: LoopState) -> None:
        raise ConnectionError("database down")

    task = Flaky(failing=set())
    run_loop(task, LoopPolicy(interval_s=0.001), threading.Event(), broken, max_passes=3)
    assert task.passes == 3


class Signalling(Flaky):
    def __init__(self) -> None:
        super().__init__(failing=set())
        self.ran = threading.Event()

    def run_once(self) -> dict[str, object]:
        result = super().run_once()
        self.ran.set()
        return result


def test_stop_ends_the_loop_during_its_sleep() -> None:
    stop = threading.Event()
    task = Signalling()
    thread = threading.Thread(target=run_loop, args=(task, LoopPolicy(interval_s=30), stop))
    thread.start()
    assert task.ran.wait(5)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert task.passes == 1


def test_a_woken_worker_runs_its_next_pass_before_its_interval_is_over() -> None:
    # Given a worker with a 30 s interval that has run one pass
    stop, wake = threading.Event(), threading.Event()
    task = Signalling()
    thread = threading.Thread(
        target=run_loop, args=(task, LoopPolicy(interval_s=30), stop),
        kwargs={"woken": wake.is_set, "max_passes": 2},
    )  # fmt: skip
    thread.start()
    assert task.ran.wait(5)
    task.ran.clear()
    assert not task.ran.wait(0.5)  # asleep
    # When it is woken, the second pass runs at once
    wake.set()
    assert task.ran.wait(5)
    thread.join(5)
    assert task.passes == 2


def test_backoff_grows_after_errors_and_is_capped() -> None:
    policy = LoopPolicy(interval_s=1.0, error_backoff_max_s=10.0, jitter=0.0)
    rng = random.Random(1)
    assert next_delay(policy, 0, rng) == 1.0
    assert next_delay(policy, 1, rng) == 2.0
    assert next_delay(policy, 3, rng) == 8.0
    assert next_delay(policy, 50, rng) == 10.0
    jittered = LoopPolicy(interval_s=1.0, jitter=0.2)
    delays = {next_delay(jittered, 0, rng) for _ in range(20)}
    assert all(0.8 <= d <= 1.2 for d in delays)
    assert len(delays) > 1


def test_entry_steps_count_outcomes_and_never_raise() -> None:
    summary: dict[str, int] = {}

    def not_ready() -> str:
        raise NotReadyError("waiting for confirmations")

    def broken() -> str:
        raise ValueError("bad entry")

    assert run_entry_step(summary, "a", lambda: "signed", what="mint") == "signed"
    assert run_entry_step(summary, "b", not_ready, what="mint") == "not_ready"
    assert run_entry_step(summary, "c", broken, what="mint") == "error"
    assert run_entry_step(summary, "d", lambda: "signed", what="mint") == "signed"
    assert summary == {"signed": 2, "not_ready": 1, "error": 1}


def test_logging_configured_under_a_closed_capture_still_writes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command run in-process configures logging while stderr is a capture; once that
    capture is closed, later lines go to the stderr of their time, not to the closed stream."""
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    configure_logging("info", worker="test")
    monkeypatch.undo()
    captured.close()
    get_logger(__name__).info("after the capture", n=1)
    assert '"event": "after the capture"' in capsys.readouterr().err
