"""How many commands this process has sent to MongoDB (reported in heartbeats, used by the
benchmark to compute database operations per bridged entry)."""

from __future__ import annotations

import threading

from pymongo import monitoring


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        with self._lock:
            self._count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


COMMANDS = CommandCounter()
