"""Webhooks: each status change in the audit log (the embedded MongoDB server) is POSTed once,
signed, to a real HTTP server; a failing endpoint is retried with backoff; an unreachable one
is counted and never blocks."""

from __future__ import annotations

import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, cast

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.unit.test_config import example_data, problems_of
from wpokt_node.config import WebhookSettings, parse_settings
from wpokt_node.errors import StartupCheckError
from wpokt_node.metrics import WEBHOOKS
from wpokt_node.node.context import NodeContext
from wpokt_node.node.startup import check_webhooks
from wpokt_node.node.webhooks import Change, WebhookFeed, WebhookSender, signature
from wpokt_node.secret import Secret

SECRET = "whsec-test-0123456789"


class Receiver(ThreadingHTTPServer):
    """Answers ``statuses`` in turn (then 200) and keeps what it was sent."""

    def __init__(self, statuses: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return None


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    server = Receiver(list(getattr(request, "param", [])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def settings(*urls: str, attempts: int = 3, queue_size: int = 100) -> WebhookSettings:
    return WebhookSettings(urls=list(urls), secret_env="WPOKT_WEBHOOK_SECRET", timeout_s=1,
                           attempts=attempts, queue_size=queue_size)  # fmt: skip


def audit(db: Any, seq: int, to: str, at: datetime) -> ObjectId:
    entry_id = ObjectId()
    db["audit"].insert_one({"entry_id": entry_id, "collection": "mints", "seq": seq,
                            "from": "signed", "to": to, "node_id": "node-03", "at": at,
                            "reason": "minted"})  # fmt: skip
    return entry_id


def wait_for(predicate: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_each_change_is_posted_once_and_signed(
    receiver: Receiver, mongo_db: Database[dict[str, Any]]
) -> None:
    db = mongo_db
    sender = WebhookSender(settings(receiver.url), Secret(SECRET))
    sender.start()
    feed = WebhookFeed(db, sender)
    entry_id = audit(db, 4, "executed", datetime.now(UTC))
    audit(db, 1, "detected", datetime.now(UTC) - timedelta(hours=1))  # before the feed began
    assert feed.run_once() == 1
    assert feed.run_once() == 0  # read again: not sent twice
    wait_for(lambda: len(receiver.received) == 1)
    sender.stop()
    headers, body = receiver.received[0]
    assert headers["X-Wpokt-Delivery"] == f"{entry_id}:4"
    expected = signature(SECRET.encode(), headers["X-Wpokt-Timestamp"], body)
    assert hmac.compare_digest(headers["X-Wpokt-Signature"], expected)
    assert headers["X-Wpokt-Signature"] != signature(b"other", headers["X-Wpokt-Timestamp"], body)
    sent = json.loads(body)
    assert (sent["entry_id"], sent["seq"], sent["to"], sent["node_id"]) == (
        str(entry_id), 4, "executed", "node-03",
    )  # fmt: skip


@pytest.mark.parametrize("receiver", [[500, 503]], indirect=True)
def test_a_failing_endpoint_is_retried_with_backoff(receiver: Receiver) -> None:
    waits: list[float] = []
    sender = WebhookSender(settings(receiver.url), Secret(SECRET), sleep=waits.append)
    delivered = WEBHOOKS.labels("delivered")._value.get()
    assert sender.deliver(receiver.url, Change("e:1", b"{}")) is True
    assert len(receiver.received) == 3
    assert waits == [0.5, 1.0]
    assert WEBHOOKS.labels("delivered")._value.get() == delivered + 1


def test_an_unreachable_endpoint_is_counted_and_never_blocks() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    failed = WEBHOOKS.labels("failed")._value.get()
    dropped = WEBHOOKS.labels("dropped")._value.get()
    sender = WebhookSender(settings(dead, attempts=2, queue_size=2), Secret(SECRET),
                           sleep=lambda _s: None)  # fmt: skip
    started = time.monotonic()
    accepted = [sender.submit(Change(f"e:{n}", b"{}")) for n in range(5)]
    assert time.monotonic() - started < 0.5  # queueing never waits on the endpoint
    assert accepted == [True, True, False, False, False]
    assert WEBHOOKS.labels("dropped")._value.get() == dropped + 3
    sender.start()
    wait_for(lambda: WEBHOOKS.labels("failed")._value.get() == failed + 2)
    sender.stop()


def test_the_config_needs_a_secret_and_plain_urls() -> None:
    data = example_data()
    data["webhooks"] = {"urls": ["https://hooks.example.org/wpokt"]}
    assert any("webhooks.secret_env is required" in p for p in problems_of(data))
    data["webhooks"] = {"urls": ["https://ops:pw@hooks.example.org/x"], "secret_env": "S"}
    assert any("without credentials" in p for p in problems_of(data))


def test_a_node_with_webhooks_refuses_to_start_without_their_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = example_data()
    data["webhooks"] = {"urls": ["https://hooks.example.org/wpokt"], "secret_env": "WPOKT_HOOK_T"}
    context = cast(NodeContext, SimpleNamespace(settings=parse_settings(data, {})))
    monkeypatch.delenv("WPOKT_HOOK_T", raising=False)
    with pytest.raises(StartupCheckError, match="WPOKT_HOOK_T, which is not set"):
        check_webhooks(context)
    monkeypatch.setenv("WPOKT_HOOK_T", SECRET)
    check_webhooks(context)


def test_a_malformed_audit_record_neither_breaks_the_feed_nor_repeats(
    receiver: Receiver, mongo_db: Database[dict[str, Any]]
) -> None:
    # A database writer inserts an audit record with no entry id or seq
    mongo_db["audit"].insert_one({"at": datetime.now(UTC), "to": "executed"})
    sender = WebhookSender(settings(receiver.url), Secret(SECRET))
    sender.start()
    feed = WebhookFeed(mongo_db, sender)
    assert feed.run_once() == 1
    assert feed.run_once() == 0
    wait_for(lambda: len(receiver.received) == 1)
    sender.stop()
    assert receiver.received[0][0]["X-Wpokt-Delivery"] == "None:None"
