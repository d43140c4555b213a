"""Webhooks: every entry status change, signed, POSTed to the operator's own endpoints.

``WebhookFeed`` reads the shared ``audit`` log (one document per status change, whichever node
made it) after each pokt-watcher pass and hands each change once to ``WebhookSender``: a daemon
thread with a bounded queue that POSTs it to every URL with retries and exponential backoff.
A full queue drops the change (counted); a failed post is counted and logged; nothing waits on
an endpoint but that thread.

Each post carries ``X-Wpokt-Delivery: <entry_id>:<seq>`` (the same change may be sent again
after a restart: a receiver dedupes on it), ``X-Wpokt-Timestamp`` (unix seconds) and
``X-Wpokt-Signature: sha256=<hex>``, the HMAC-SHA256 of ``<timestamp>.<body>`` with the secret
(``webhooks.secret_env``): a receiver recomputes it and rejects old timestamps.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from pymongo.database import Database

from wpokt_node.config import WebhookSettings
from wpokt_node.db.schema import AUDIT
from wpokt_node.logs import get_logger
from wpokt_node.metrics import WEBHOOKS
from wpokt_node.secret import Secret

log = get_logger(__name__)
Document = dict[str, Any]
REPLAY_S = 60.0  # a (re)started feed sends the last minute again: a receiver dedupes
BACKOFF_MAX_S = 30.0


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True, slots=True)
class Change:
    delivery: str
    body: bytes


class WebhookSender:
    """POSTs changes to every URL from its own thread (module docstring)."""

    def __init__(
        self,
        settings: WebhookSettings,
        secret: Secret,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings, self.secret, self.sleep = settings, secret, sleep
        self._queue: queue.Queue[Change | None] = queue.Queue(maxsize=settings.queue_size)
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._last_failure_log = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join(timeout_s)
        self._session.close()

    def submit(self, change: Change) -> bool:
        """Queue ``change``; never waits. False (and counted) when the queue is full."""
        try:
            self._queue.put_nowait(change)
        except queue.Full:
            WEBHOOKS.labels("dropped").inc()
            return False
        return True

    def _run(self) -> None:
        while (change := self._queue.get()) is not None:
            for url in self.settings.urls:
                self.deliver(url, change)

    def deliver(self, url: str, change: Change) -> bool:
        for attempt in range(self.settings.attempts):
            if attempt:
                self.sleep(min(BACKOFF_MAX_S, 0.5 * 2 ** (attempt - 1)))
            if self._post(url, change):
                WEBHOOKS.labels("delivered").inc()
                return True
        WEBHOOKS.labels("failed").inc()
        now = time.monotonic()
        if now - self._last_failure_log >= 60.0:  # logged once a minute at most
            self._last_failure_log = now
            log.warning("webhook post failed", delivery=change.delivery,
                        attempts=self.settings.attempts)  # fmt: skip
        return False

    def _post(self, url: str, change: Change) -> bool:
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Wpokt-Delivery": change.delivery,
            "X-Wpokt-Timestamp": stamp,
            "X-Wpokt-Signature": signature(self.secret.reveal().encode(), stamp, change.body),
        }
        try:
            answer = self._session.post(
                url, data=change.body, headers=headers, timeout=self.settings.timeout_s
            )
        except requests.RequestException:
            return False
        return 200 <= answer.status_code < 300


class WebhookFeed:
    """Hands each new ``audit`` record to the sender once (deduped by ``entry_id:seq``)."""

    def __init__(
        self,
        db: Database[Document],
        sender: WebhookSender,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.sender = db, sender
        self._since = now() - timedelta(seconds=REPLAY_S)
        self._seen: deque[str] = deque(maxlen=10_000)
        self._seen_set: set[str] = set()

    def run_once(self, limit: int = 500) -> int:
        """Queue the changes recorded since the last read; returns how many were new."""
        cursor = self.db[AUDIT].find({"at": {"$gte": self._since}}).sort("at", 1).limit(limit)
        queued = 0
        for record in cursor:
            # the database is not trusted: a record missing its fields is sent as it is
            delivery = f"{record.get('entry_id')}:{record.get('seq')}"
            at = record.get("at")
            if isinstance(at, datetime):
                self._since = max(self._since, _aware(at))
            if delivery in self._seen_set:
                continue
            self._remember(delivery)
            queued += int(self.sender.submit(Change(delivery, _body(record))))
        return queued

    def _remember(self, delivery: str) -> None:
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(delivery)
        self._seen_set.add(delivery)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _body(record: Document) -> bytes:
    at = record.get("at")
    payload = {
        "collection": record.get("collection"),
        "entry_id": str(record.get("entry_id")),
        "seq": record.get("seq"),
        "from": record.get("from"),
        "to": record.get("to"),
        "node_id": record.get("node_id"),
        "reason": record.get("reason"),
        "at": _aware(at).isoformat() if isinstance(at, datetime) else None,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
