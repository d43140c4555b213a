"""The frontend view: the cluster's entries copied, in the deployed frontend's shapes, into a
database of their own (``mongodb.frontend_database``), which the frontend's read-only user is
the only thing reading. The node's own collections stay the only truth; the view is rebuilt
from them and never read back.

The watchers keep it current (``pokt-watcher``: ``mints`` and ``invalidMints`` and its node's
``healthchecks`` document; ``burn-watcher``: ``burns``): after each pass, the entries changed
since the last one (``updated_at`` against the server's clock read before the round, with a
margin for writes in flight), and every entry every ten minutes. One node at a time writes
the entries (``frontend.writer``); every node writes its own health check. A write carries the
version of the entry it was built from (transitions, signatures, ``updated_at``) and never
replaces a newer one: a replacement that requires an older version, else an insert (a
duplicate key there means someone wrote it meanwhile: compared again once). A round that
reads every entry first reads the versions the view holds, and writes only what differs. An
entry that cannot be mapped is logged and counted, and its view document is left as it was.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.db.schema import BURNS, FRONTEND_VIEW_COLLECTIONS, MINTS, NODES, REFUNDS
from wpokt_node.errors import DatabaseError
from wpokt_node.frontend.health import NodeFacts, health_view
from wpokt_node.frontend.shapes import (
    UnmappableError,
    ViewFacts,
    burn_view,
    invalid_mint_view,
    mint_view,
)
from wpokt_node.frontend.writer import WriterLease
from wpokt_node.logs import get_logger

log = get_logger(__name__)

Document = dict[str, Any]
Shape = Callable[[Mapping[str, Any], ViewFacts], Document]

VIEW_COLLECTIONS = FRONTEND_VIEW_COLLECTIONS
VIEW_MINTS, VIEW_INVALID_MINTS, VIEW_BURNS, VIEW_HEALTHCHECKS = VIEW_COLLECTIONS
VERSION = "_source_version"  # on every view document; the frontend ignores it
IN_FLIGHT = timedelta(seconds=5)  # an entry's write may become visible this late
FULL_RESYNC_S = 600.0  # every entry re-read (written only where it changed)
HEALTH_EVERY_S = 10.0  # this node's healthchecks document
CLOCK_EVERY_S = 60.0  # the server's clock offset
REMEMBERED = 50_000  # versions written, per process: a quiet pass writes nothing


@dataclass(frozen=True, slots=True)
class Projection:
    """One of our collections into one view collection."""

    source: str
    target: str
    shape: Shape
    keep: Callable[[Mapping[str, Any]], bool] = lambda _document: True


MINT_PROJECTIONS = (
    Projection(MINTS, VIEW_MINTS, mint_view, lambda d: d.get("source") != "burn_return"),
    Projection(REFUNDS, VIEW_INVALID_MINTS, invalid_mint_view),
)
BURN_PROJECTIONS = (Projection(BURNS, VIEW_BURNS, burn_view),)


def source_version(document: Mapping[str, Any]) -> str:
    """Orders the states of one entry: transitions, then signatures, then ``updated_at`` (ms).
    The entry's own counters come first: an insert stamps ``updated_at`` with the inserting
    node's clock, later writes with the server's, so a fast clock must not outrank them."""
    updated = document.get("updated_at")
    stamp = 0
    if isinstance(updated, datetime):
        stamp = max(0, int(updated.replace(tzinfo=UTC).timestamp() * 1000))
    seq = document.get("audit_seq")
    signatures = document.get("signatures")
    count = len(signatures) if isinstance(signatures, list) else 0
    return f"{_counter(seq):09d}:{min(count, 9999):04d}:{min(stamp, 10**15 - 1):015d}"


def _counter(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, min(int(value), 10**9 - 1))


class FrontendView:
    """Keeps the view collections of ``projections`` current; one per worker process."""

    def __init__(
        self,
        db: Database[Document],
        view: Database[Document],
        facts: ViewFacts,
        projections: tuple[Projection, ...],
        health: NodeFacts | None = None,
        *,
        writer: WriterLease | None = None,
    ) -> None:
        """``writer``: the lease that says when this node writes the entries (None: always)."""
        self.db, self.view, self.facts, self.projections = db, view, facts, projections
        self.health, self.writer = health, writer
        self._writing = False
        self._since: dict[str, datetime | None] = {p.target: None for p in projections}
        self._written: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._full_at = time.monotonic()
        self._health_at = -HEALTH_EVERY_S
        self._clock: tuple[float, datetime] | None = None  # (monotonic, the server's time)
        self.unmappable = 0

    def sync(self) -> dict[str, int]:
        """One round: every entry changed since the last round, written where it is newer."""
        report = {"view_written": 0, "view_unmappable": 0}
        writing = self.writer is None or self.writer.ours()
        if writing and not self._writing:  # gained: whatever the last writer missed
            self._since = dict.fromkeys(self._since)
        self._writing = writing
        if writing:
            try:
                self._sync_entries(report)
            except Exception:
                if self.writer is not None:
                    self.writer.give_up()
                raise
        self.unmappable += report["view_unmappable"]
        if self.health is not None and time.monotonic() - self._health_at >= HEALTH_EVERY_S:
            self._write_health(self.health)
            self._health_at = time.monotonic()
        return report

    def _sync_entries(self, report: dict[str, int]) -> None:
        if time.monotonic() - self._full_at >= FULL_RESYNC_S:  # whatever a cursor missed
            self._since = dict.fromkeys(self._since)
            self._full_at = time.monotonic()
        server_now = self._server_time()
        for projection in self.projections:
            written, unmappable = self._sync(projection, server_now)
            report["view_written"] += written
            report["view_unmappable"] += unmappable

    def _write_health(self, own: NodeFacts) -> None:
        """This node's own ``healthchecks`` document (``_id``: its node id)."""
        try:
            node = self.db[NODES].find_one({"node_id": own.node_id})
            shaped = health_view(node, self.facts, own, self._server_time())
            shaped["_id"] = own.node_id
            shaped[VERSION] = shaped["updated_at"].isoformat()
            write_if_newer(self.view, VIEW_HEALTHCHECKS, shaped)
        except PyMongoError as exc:
            raise DatabaseError(f"frontend view: writing the health check failed: {exc}") from None

    def _server_time(self) -> datetime:
        """The database server's clock, which stamps ``updated_at``: the cursor never comes
        from the documents (a forged or a fast-clock date would skip changes). Read
        (``hello.localTime``) once a minute and carried forward on this process's monotonic
        clock, so a step of the node's wall clock does not move it; the local clock when the
        server does not say."""
        now = time.monotonic()
        if self._clock is None or now - self._clock[0] >= CLOCK_EVERY_S:
            try:
                server = self.db.client.admin.command("hello").get("localTime")
            except PyMongoError as exc:
                raise DatabaseError(f"frontend view: hello failed: {exc}") from None
            if isinstance(server, datetime):
                server = server if server.tzinfo else server.replace(tzinfo=UTC)
            else:
                server = datetime.now(UTC)
            self._clock = (now, server)
        return self._clock[1] + timedelta(seconds=now - self._clock[0])

    def _sync(self, projection: Projection, server_now: datetime) -> tuple[int, int]:
        since = self._since[projection.target]
        # in Python, not the query: nx-27017 matches nothing for a $ne on a missing field
        # next to a range
        query: dict[str, Any] = {}
        if since is not None:
            query["updated_at"] = {"$gte": since - IN_FLIGHT}
        written = unmappable = 0
        try:
            if since is None:
                self._remember_view(projection.target)
            for document in self.db[projection.source].find(query):
                if not projection.keep(document):
                    continue
                outcome = self._project(projection, document)
                written += outcome == "written"
                unmappable += outcome == "unmappable"
        except PyMongoError as exc:
            raise DatabaseError(
                f"frontend view: reading {projection.source} failed: {exc}"
            ) from None
        self._since[projection.target] = server_now
        return written, unmappable

    def _project(self, projection: Projection, document: Document) -> str:
        key = (projection.target, str(document.get("_id")))
        version = source_version(document)
        if self._written.get(key) == version:
            return "same"
        try:
            shaped = projection.shape(document, self.facts)
        except (UnmappableError, ValueError, TypeError, RecursionError, OverflowError) as exc:
            log.warning("frontend view: entry not shown", collection=projection.source,
                        entry_id=str(document.get("_id")), reason=str(exc))  # fmt: skip
            return "unmappable"
        shaped[VERSION] = version
        outcome = write_if_newer(self.view, projection.target, shaped)
        self._remember(key, version)
        return outcome

    def _remember_view(self, target: str) -> None:
        """The versions the view holds, as if written by this process: a round over every entry
        then writes only those that changed."""
        for shown in self.view[target].find({}, projection={VERSION: 1}):
            if isinstance(shown.get(VERSION), str):
                self._remember((target, str(shown["_id"])), shown[VERSION])

    def _remember(self, key: tuple[str, Any], version: str) -> None:
        self._written[key] = version
        self._written.move_to_end(key)
        while len(self._written) > REMEMBERED:
            self._written.popitem(last=False)


def write_if_newer(view: Database[Document], collection: str, shaped: Document) -> str:
    """Replace the view document unless it was built from a newer state of the entry."""
    target = view[collection]
    version = shaped[VERSION]
    try:
        for _ in range(2):
            # a whole replacement, not $set: nx-27017 stores a boolean set by $set as 0/1
            done = target.replace_one({"_id": shaped["_id"], VERSION: {"$lt": version}}, shaped)
            if done.matched_count:
                return "written"
            try:
                target.insert_one(dict(shaped))
            except DuplicateKeyError:
                continue  # it exists: newer, or written meanwhile (compare again)
            return "written"
    except PyMongoError as exc:
        raise DatabaseError(f"frontend view: writing {collection} failed: {exc}") from None
    return "newer"
