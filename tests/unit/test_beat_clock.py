"""When a worker writes its heartbeat (``node/worker_main.BeatClock``)."""

from __future__ import annotations

from wpokt_node.node.worker_main import BeatClock


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_given_a_steady_worker_when_passes_follow_then_it_beats_once_per_interval() -> None:
    clock = FakeClock()
    beats = BeatClock(15.0, clock)
    steady = (0, None, None)
    assert beats.due(steady)  # the first pass always beats
    clock.now += 14.9
    assert not beats.due(steady)
    clock.now += 0.1
    assert beats.due(steady)
    assert not beats.due(steady)


def test_given_a_change_in_errors_or_hold_then_it_beats_at_once_and_again_on_recovery() -> None:
    clock = FakeClock()
    beats = BeatClock(15.0, clock)
    assert beats.due((0, None, None))
    clock.now += 1
    assert beats.due((1, "ChainError: rpc down", None))
    clock.now += 1
    assert not beats.due((1, "ChainError: rpc down", None))
    assert beats.due((0, None, None))
    clock.now += 1
    assert beats.due((0, None, "governance changed on chain: 13 validators"))
