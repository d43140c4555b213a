"""The worker loop: ``run_once()`` + sleep, forever, until asked to stop.

A pass that raises is logged and recorded in the heartbeat; the loop goes on after a
jittered backoff. Entry-level errors are the task's business (one bad entry never stops a
pass); this loop only guarantees that nothing stops the worker but a stop request.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from wpokt_node.logs import get_logger
from wpokt_node.secret import redact

log = get_logger(__name__)


class Task(Protocol):
    """One worker's unit of work. ``run_once`` returns a short dict for the heartbeat."""

    def run_once(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class LoopPolicy:
    interval_s: float = 5.0
    error_backoff_max_s: float = 60.0
    jitter: float = 0.2


@dataclass(slots=True)
class LoopState:
    passes: int = 0
    consecutive_errors: int = 0
    last_error: str | None = None
    last_error_class: str | None = None
    last_success_at: datetime | None = None
    last_pass_s: float = 0.0
    last_result: dict[str, object] = field(default_factory=dict)


Heartbeat = Callable[[LoopState], None]
WAKE_POLL_S = 0.2  # how often a sleeping worker asks whether it was woken


def next_delay(policy: LoopPolicy, consecutive_errors: int, rng: random.Random) -> float:
    """Interval after a good pass; exponential backoff (capped) after failed ones; jittered."""
    base = policy.interval_s
    if consecutive_errors:
        base = min(
            policy.interval_s * 2.0 ** min(consecutive_errors, 16), policy.error_backoff_max_s
        )
        base = max(base, policy.interval_s)
    spread = base * policy.jitter
    return max(0.0, base + rng.uniform(-spread, spread))


def run_loop(
    task: Task,
    policy: LoopPolicy,
    stop: threading.Event,
    heartbeat: Heartbeat | None = None,
    *,
    max_passes: int | None = None,
    rng: random.Random | None = None,
    woken: Callable[[], bool] | None = None,
) -> LoopState:
    """``woken``: asked every ``WAKE_POLL_S`` of a sleep after a good pass; True ends it."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    state = LoopState()
    while not stop.is_set():
        started = time.monotonic()
        try:
            state.last_result = task.run_once()
        except Exception as exc:
            state.consecutive_errors += 1
            state.last_error_class = type(exc).__name__
            state.last_error = error_summary(exc)
            log.error("worker pass failed", error=state.last_error, exc_info=True)
        else:
            state.consecutive_errors = 0
            state.last_error = None
            state.last_error_class = None
            state.last_success_at = datetime.now(UTC)
        state.passes += 1
        state.last_pass_s = time.monotonic() - started
        if heartbeat is not None:
            try:
                heartbeat(state)
            except Exception as exc:
                log.warning("heartbeat failed", error=f"{type(exc).__name__}: {exc}"[:300])
        if max_passes is not None and state.passes >= max_passes:
            break
        elapsed = time.monotonic() - started
        delay = next_delay(policy, state.consecutive_errors, rng)
        if state.consecutive_errors:
            stop.wait(delay)
        else:
            _sleep(max(0.0, delay - elapsed), stop, woken)
    return state


def _sleep(seconds: float, stop: threading.Event, woken: Callable[[], bool] | None) -> None:
    if woken is None:
        stop.wait(seconds)
        return
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0 or woken():
            return
        stop.wait(min(WAKE_POLL_S, left))


def error_summary(exc: BaseException) -> str:
    """What a heartbeat may say about an error (the frontend's read-only user can read it):
    its class and its message with every credential or token redacted, one line, bounded."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return redact(text)[:300]
