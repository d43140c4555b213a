"""Which node writes a view collection: one at a time, under a lease.

Twelve nodes writing every change of every entry into the same view documents cost twelve
times the database commands of one, for the same result. So each view collection has a
writer lease (``frontend-view:<collection>``, ``db.leases``): its holder writes, renewing it
every third of its TTL; the other nodes only try to take it, as often, and take it once it
expires (a holder that stopped: the view lags by at most the TTL and a third). A node that
gains it re-reads every entry, so nothing its predecessor missed stays missing. A holder
whose round fails (it cannot write the view) gives the lease up and leaves it to the others
for a TTL; a lease document nobody can read counts as not held. Correctness never rests on
the lease: every write still carries its entry's version and never replaces a newer one, so
two nodes that both believe they hold it only duplicate work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pymongo.database import Database

from wpokt_node.db import leases
from wpokt_node.errors import DatabaseError
from wpokt_node.logs import get_logger

log = get_logger(__name__)

Document = dict[str, Any]
WRITER_TTL_S = 30.0


class WriterLease:
    """``ours()``: whether this node writes the view now (a database command every TTL/3)."""

    def __init__(
        self,
        db: Database[Document],
        name: str,
        holder: str,
        ttl_s: float = WRITER_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.name, self.holder, self.ttl_s, self.clock = db, name, holder, ttl_s, clock
        self._held = False
        self._checked_at: float | None = None

    def ours(self) -> bool:
        now = self.clock()
        if self._checked_at is not None and now - self._checked_at < self.ttl_s / 3:
            return self._held
        self._checked_at = now
        try:
            if self._held and leases.renew(self.db, self.name, self.holder, self.ttl_s):
                return True
            self._held = leases.acquire(self.db, self.name, self.holder, self.ttl_s)
        except (DatabaseError, ValueError, TypeError) as exc:  # a garbled lease document
            log.warning("frontend view: writer lease unreadable", lease=self.name, error=str(exc))
            self._held = False
        return self._held

    def give_up(self) -> None:
        """After a failed round: release the lease and leave it to the others for a TTL."""
        self._held = False
        self._checked_at = self.clock() + self.ttl_s
        try:
            leases.release(self.db, self.name, self.holder)
        except DatabaseError as exc:
            log.warning("frontend view: writer lease not released", error=str(exc))
