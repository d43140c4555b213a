"""Where a process's database commands come from, for ``make bench --db-profile``.

With ``WPOKT_DB_PROFILE_DIR`` set, each process counts its commands by command, collection and
the innermost three ``wpokt_node`` functions on the stack that sent it, and writes the counts
to ``<dir>/<pid>.json`` at most every five seconds. Unset (the default) nothing is counted."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

from pymongo import monitoring

PROFILE_DIR_ENV = "WPOKT_DB_PROFILE_DIR"
FLUSH_S = 5.0
DEPTH = 3
_PACKAGE = os.sep + "wpokt_node" + os.sep
_OWN = (os.sep + "db" + os.sep + "command_profile.py", os.sep + "db" + os.sep + "counters.py")


class CommandProfile:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._flushed = 0.0
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> Path:
        """This process's file (the workers are forked after the profile is made)."""
        return self.directory / f"{os.getpid()}.json"

    @classmethod
    def from_environment(cls) -> CommandProfile | None:
        directory = os.environ.get(PROFILE_DIR_ENV)
        return cls(Path(directory)) if directory else None

    def record(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        where = " < ".join(_callers(sys._getframe(1)))
        key = f"{event.command_name} {collection if isinstance(collection, str) else ''} | {where}"
        with self._lock:
            self.counts[key] += 1
            if time.monotonic() - self._flushed >= FLUSH_S:
                self._flushed = time.monotonic()
                self.path.write_text(json.dumps(dict(self.counts)), encoding="utf-8")


def _callers(frame: FrameType | None) -> list[str]:
    found: list[str] = []
    while frame is not None and len(found) < DEPTH:
        name = frame.f_code.co_filename
        if _PACKAGE in name and not name.endswith(_OWN):
            module = name.rsplit(_PACKAGE, 1)[1].removesuffix(".py").replace(os.sep, ".")
            found.append(f"{module}.{frame.f_code.co_name}")
        frame = frame.f_back
    return found


def aggregate(directory: Path) -> Counter[str]:
    """Every process's counts under ``directory`` added up."""
    total: Counter[str] = Counter()
    for path in sorted(directory.glob("*.json")):
        try:
            total.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return total
