"""Executors that read nothing while nothing is open, and wake when the node's watchers meet an
entry.

An idle executor used to ask the database every pass whether an entry was open: with twelve
nodes, two executors each and a database in another region, most of the cluster's commands.
But an entry opens, in the ordinary course, because a watcher recorded it, and every node's
watchers meet every source event (they record it, or find it recorded by another node). So a
watcher that met one marks ``Activity``, a file beside the signing journal (node-local, like
the journal); an executor whose last pass found nothing open skips its passes until the mark
changes, or ``workers.idle_recheck_s`` has passed (what no watcher of this node meets: an
operator's reobserve or retry, a database writer). The mark is read before the pass that
finds nothing open, so an entry recorded during that pass still wakes the next one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from wpokt_node.config import Settings
from wpokt_node.logs import get_logger
from wpokt_node.node.worker import Task

log = get_logger(__name__)


class Activity:
    """The node's "a watcher met an entry" mark: a small file whose content changes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def of(cls, settings: Settings) -> Activity:
        journal = Path(settings.journal_path)
        return cls(journal.with_name(journal.name + ".activity"))

    def mark(self) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(str(time.time_ns()), encoding="ascii")
            os.replace(temporary, self.path)
        except OSError as exc:  # the executors then wake on their recheck interval
            log.warning("activity mark not written", path=str(self.path), error=str(exc))

    def stamp(self) -> str | None:
        """The current mark (None: none yet, or unreadable, which wakes an executor too)."""
        try:
            return self.path.read_text(encoding="ascii")
        except OSError:
            return None


class MarksActivity:
    """A watcher task whose passes mark ``activity`` when its ``met`` counter moved."""

    def __init__(self, task: Task, activity: Activity, met: Callable[[], int]) -> None:
        self.task, self.activity, self.met = task, activity, met

    def run_once(self) -> dict[str, object]:
        before = self.met()
        try:
            return self.task.run_once()
        finally:
            if self.met() != before:
                self.activity.mark()


class SleepsWhileIdle:
    """An executor task that skips its passes while idle (see the module docstring);
    ``run_once`` of the task reports ``open``: whether it found an open entry."""

    def __init__(
        self,
        task: Task,
        activity: Activity,
        recheck_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.task, self.activity, self.recheck_s, self.clock = task, activity, recheck_s, clock
        self._idle_since: tuple[str | None, float] | None = None  # (mark, when) of an idle pass
        self._seen: str | None = None  # the mark as the last pass began

    def woken(self) -> bool:
        """Whether a watcher marked activity since the last pass began or the last time this
        said so (the loop then runs the next pass at once: an entry waits for no interval
        between a watcher and an executor). True once per mark, so a loop whose passes do not
        reach ``run_once`` (a schema hold) still sleeps."""
        stamp = self.activity.stamp()
        if stamp == self._seen:
            return False
        self._seen = stamp
        return True

    def run_once(self) -> dict[str, object]:
        stamp = self._seen = self.activity.stamp()
        if self._idle_since is not None:
            mark, at = self._idle_since
            if stamp is not None and stamp == mark and self.clock() - at < self.recheck_s:
                return {"idle": 1}
        started = self.clock()
        report = self.task.run_once()
        self._idle_since = None if report.get("open", 1) else (stamp, started)
        return report
