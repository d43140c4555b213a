"""The payout machine's pause reads: afresh at every pass, then at most once a second."""

from __future__ import annotations

from wpokt_node.payout.pause import PassPause


class Control:
    def __init__(self) -> None:
        self.reason: str | None = None
        self.reads = 0
        self.now = 0.0

    def read(self) -> str | None:
        self.reads += 1
        return self.reason

    def clock(self) -> float:
        return self.now


def test_a_pass_reads_the_pause_once_a_second_and_every_pass_reads_it_afresh() -> None:
    control = Control()
    paused = PassPause(control.read, reuse_s=1.0, clock=control.clock)
    # given a pass that asks for each of many entries within a second: one read
    paused.new_pass()
    assert [paused() for _ in range(50)] == [None] * 50
    assert control.reads == 1
    # when an operator pauses, the same pass sees it once the second is over
    control.reason = "the bridge is paused"
    control.now = 0.5
    assert paused() is None
    control.now = 1.0
    assert paused() == "the bridge is paused"
    # and a new pass reads it at once, however recent the last read
    control.reason = None
    paused.new_pass()
    assert paused() is None
    assert control.reads == 3
