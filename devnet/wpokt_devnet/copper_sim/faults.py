"""Injected platform faults (test hook ``POST /_sim/faults``; not Copper's API).

Each counter is consumed by the next ``/platform/`` requests, in this order per request:
a delay (``delay_next_s`` for ``count`` requests), then a refusal without acting
(``fail_next`` requests answer ``status``), then, after the request acted, a lost answer
(``commit_then_fail_next`` requests answer 503 although their effect stays).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from wpokt_devnet.copper_sim.errors import invalid


def _count(body: dict[str, Any], name: str, default: int = 0) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(name, "must be a non-negative integer")
    return value


@dataclass(slots=True)
class FaultState:
    fail_next: int = 0
    fail_status: int = HTTPStatus.SERVICE_UNAVAILABLE
    commit_then_fail_next: int = 0
    delay_s: float = 0.0
    delay_count: int = 0


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = FaultState()

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set the counters named in ``body`` (others keep their value); returns them all."""
        with self._lock:
            state = self._state
            if "fail_next" in body:
                state.fail_next = _count(body, "fail_next")
                status = _count(body, "status", HTTPStatus.SERVICE_UNAVAILABLE)
                if not 400 <= status <= 599:
                    raise invalid("status", "must be an HTTP error status (400-599)")
                state.fail_status = status
            if "commit_then_fail_next" in body:
                state.commit_then_fail_next = _count(body, "commit_then_fail_next")
            if "delay_next_s" in body:
                delay = body["delay_next_s"]
                if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
                    raise invalid("delay_next_s", "must be a non-negative number of seconds")
                state.delay_s, state.delay_count = float(delay), _count(body, "count", 1)
            return asdict(state)

    def before(self) -> tuple[float, HTTPStatus | None]:
        """(seconds to sleep, status to refuse with or None) for the request arriving now."""
        with self._lock:
            state = self._state
            delay = 0.0
            if state.delay_count:
                state.delay_count -= 1
                delay = state.delay_s
            if state.fail_next:
                state.fail_next -= 1
                return delay, HTTPStatus(state.fail_status)
            return delay, None

    def lose_answer(self) -> bool:
        """Whether the answer of the request that just acted is replaced by a 503."""
        with self._lock:
            if self._state.commit_then_fail_next:
                self._state.commit_then_fail_next -= 1
                return True
            return False
