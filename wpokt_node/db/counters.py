"""How many commands this process has sent to MongoDB (reported in heartbeats, used by the
benchmark to compute database operations per bridged entry), and their durations and failures
(the metrics ``wpokt_db_command_seconds`` and ``wpokt_db_command_errors_total``)."""

from __future__ import annotations

import threading

from pymongo import monitoring

from wpokt_node.db.command_profile import CommandProfile
from wpokt_node.metrics import DB_ERRORS, DB_SECONDS


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self.profile = CommandProfile.from_environment()  # make bench --db-profile

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        with self._lock:
            self._count += 1
        if self.profile is not None:
            self.profile.record(event)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        DB_SECONDS.observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        DB_SECONDS.observe(event.duration_micros / 1e6)
        DB_ERRORS.inc()

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


COMMANDS = CommandCounter()
