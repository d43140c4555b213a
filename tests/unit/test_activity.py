"""Idle executors read nothing until the node's watchers meet an entry (or a recheck is due)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wpokt_node.node.activity import Activity, MarksActivity, SleepsWhileIdle


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Executor:
    """Counts passes; reports ``open`` as told."""

    def __init__(self) -> None:
        self.passes = 0
        self.open = 0

    def run_once(self) -> dict[str, object]:
        self.passes += 1
        return {"open": self.open}


class Watcher:
    def __init__(self) -> None:
        self.met = 0
        self.meets = 0  # entries the next pass meets

    def run_once(self) -> dict[str, object]:
        self.met += self.meets
        return {}


def test_an_idle_executor_sleeps_until_a_watcher_meets_an_entry(tmp_path: Path) -> None:
    activity, clock = Activity(tmp_path / "journal.activity"), Clock()
    executor, watcher = Executor(), Watcher()
    idle = SleepsWhileIdle(executor, activity, recheck_s=60, clock=clock)
    marks = MarksActivity(watcher, activity, lambda: watcher.met)
    activity.mark()
    # given a pass that found nothing open
    idle.run_once()
    assert executor.passes == 1
    # when the watchers meet nothing, the executor's passes read nothing
    for _ in range(5):
        marks.run_once()
        assert idle.run_once() == {"idle": 1}
    assert executor.passes == 1
    # when a watcher meets an entry, the next pass runs, and so does every pass while open
    watcher.meets = 1
    marks.run_once()
    executor.open = 1
    idle.run_once()
    watcher.meets = 0
    idle.run_once()
    assert executor.passes == 3
    # and once nothing is open again it sleeps again
    executor.open = 0
    idle.run_once()
    idle.run_once()
    assert executor.passes == 4


def test_an_idle_executor_rechecks_after_the_interval_and_without_a_mark(tmp_path: Path) -> None:
    activity, clock, executor = Activity(tmp_path / "journal.activity"), Clock(), Executor()
    idle = SleepsWhileIdle(executor, activity, recheck_s=60, clock=clock)
    # without any mark yet (or an unreadable one) every pass reads
    idle.run_once()
    idle.run_once()
    assert executor.passes == 2
    activity.mark()
    idle.run_once()
    idle.run_once()
    assert executor.passes == 3
    # after the recheck interval it reads even without a mark (an operator's retry, a forger)
    clock.now += 60
    idle.run_once()
    assert executor.passes == 4


def test_a_mark_written_during_an_idle_pass_wakes_the_next(tmp_path: Path) -> None:
    activity, clock = Activity(tmp_path / "journal.activity"), Clock()
    activity.mark()

    class RecordedMeanwhile(Executor):
        def run_once(self) -> dict[str, object]:
            activity.mark()  # a watcher records an entry after this pass read the statuses
            return super().run_once()

    executor = RecordedMeanwhile()
    idle = SleepsWhileIdle(executor, activity, recheck_s=60, clock=clock)
    idle.run_once()
    idle.run_once()
    assert executor.passes == 2


def test_a_watcher_pass_that_fails_still_marks_what_it_met(tmp_path: Path) -> None:
    activity = Activity(tmp_path / "journal.activity")

    class Failing(Watcher):
        def run_once(self) -> dict[str, object]:
            self.met += 1
            raise RuntimeError("the chain went away after one entry")

    watcher = Failing()
    marks = MarksActivity(watcher, activity, lambda: watcher.met)
    with pytest.raises(RuntimeError):
        marks.run_once()
    assert activity.stamp() is not None


def test_an_executor_is_woken_by_a_mark_made_since_its_last_pass(tmp_path: Path) -> None:
    activity, executor = Activity(tmp_path / "journal.activity"), Executor()
    executor.open = 1
    idle = SleepsWhileIdle(executor, activity, recheck_s=60, clock=Clock())
    activity.mark()
    idle.run_once()
    assert not idle.woken()
    activity.mark()
    assert idle.woken()
    idle.run_once()
    assert not idle.woken()


def test_a_mark_wakes_once_even_when_the_pass_it_wakes_is_held(tmp_path: Path) -> None:
    # a schema hold skips the executor's run_once: the mark must not keep waking the loop
    activity, executor = Activity(tmp_path / "journal.activity"), Executor()
    idle = SleepsWhileIdle(executor, activity, recheck_s=60, clock=Clock())
    idle.run_once()
    activity.mark()
    assert idle.woken()
    assert not idle.woken()
    assert executor.passes == 1
