"""The platform API: the order routes of Copper's platform the bridge uses (Copper docs,
"Create order", "Get order", "Approve (co-sign) order"), HMAC-authenticated ("Authentication"),
and the simulator's own test hooks under ``/_sim/`` (not Copper's API, no authentication).

Routes:
- ``POST /platform/orders`` creates a withdraw order (201);
- ``GET /platform/orders/{orderId}``; ``GET /platform/orders?externalOrderId=&portfolioId=&limit=``
  answers ``{"orders": [...]}`` (oldest first, ``limit`` at most 1000: simulator choices);
- ``PATCH /platform/orders/{orderId}``, the action named by the Content-Type (Copper docs,
  "Approve (co-sign) order"). These two actions and their content types are assumptions
  beyond docs/copper.md: ``application/vnd.upload-part-signed-tx+json`` (a CUO's part
  signature, ``orders.OrderBook.add_part_signature``) and ``application/vnd.cancel-order+json``
  (cancel an order not yet fully signed).
- hooks: ``POST /_sim/faults``, ``POST /_sim/tamper``, ``GET /_sim/orders``, ``GET /_sim/stats``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from wpokt_devnet.copper_sim.auth import AuthError, authenticate
from wpokt_devnet.copper_sim.errors import PlatformError, invalid, not_found
from wpokt_devnet.copper_sim.faults import Faults
from wpokt_devnet.copper_sim.orders import OrderBook
from wpokt_devnet.copper_sim.validation import validate_create
from wpokt_devnet.copper_sim.web import Answer, json_object

UPLOAD_PART_SIGNED_TX = "application/vnd.upload-part-signed-tx+json"
CANCEL_ORDER = "application/vnd.cancel-order+json"
MAX_LIST_LIMIT = 1000
UNAVAILABLE = {"error": "unavailable", "message": "injected fault (test hook)"}


def _body(body: bytes) -> dict[str, Any]:
    value = json_object(body)
    if value is None:
        raise invalid("body", "must be a JSON object")
    return value


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


class PlatformApi:
    def __init__(
        self,
        book: OrderBook,
        *,
        portfolio_id: str,
        api_keys: Mapping[str, str],
        currencies: frozenset[str],
        max_skew_ms: int,
        hold_broadcast: Callable[[bool], None],
    ) -> None:
        self.book = book
        self.portfolio_id = portfolio_id
        self.api_keys = dict(api_keys)
        self.currencies = currencies
        self.max_skew_ms = max_skew_ms
        self.faults = Faults()
        self._hold_broadcast = hold_broadcast
        self._held = False
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        try:
            if url.path.startswith("/_sim/"):
                return self._hook(method, url.path, body)
            if not url.path.startswith("/platform/"):
                raise not_found(f"no route {method} {url.path[:100]}")
            return self._platform(method, path, headers, body)
        except PlatformError as exc:
            return exc.status, exc.body()

    def _platform(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        delay_s, refuse = self.faults.before()
        if delay_s:
            time.sleep(delay_s)
        if refuse is not None:
            self._count("injected_failures")
            return refuse, dict(UNAVAILABLE)
        try:
            authenticate(self.api_keys, headers, method, path, body, max_skew_ms=self.max_skew_ms)
        except AuthError as exc:
            self._count("auth_failures")
            return HTTPStatus.UNAUTHORIZED, {"error": exc.code, "message": exc.message}
        self._count("requests")
        try:
            answer = self._route(method, path, headers, body)
        except PlatformError as exc:
            answer = exc.status, exc.body()
        if self.faults.lose_answer():
            self._count("lost_answers")
            return HTTPStatus.SERVICE_UNAVAILABLE, dict(UNAVAILABLE)
        return answer

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        match method, parts:
            case "POST", ["platform", "orders"]:
                request = validate_create(_body(body), self.portfolio_id, self.currencies)
                return HTTPStatus.CREATED, self.book.create(request)
            case "GET", ["platform", "orders"]:
                return HTTPStatus.OK, {"orders": self._find(url.query)}
            case "GET", ["platform", "orders", order_id]:
                return HTTPStatus.OK, self.book.get(order_id)
            case "PATCH", ["platform", "orders", order_id]:
                return HTTPStatus.OK, self._patch(order_id, headers, body)
        raise not_found(f"no route {method} {url.path[:100]}")

    def _find(self, raw_query: str) -> list[dict[str, Any]]:
        query = parse_qs(raw_query, keep_blank_values=True)
        limit_text = _one(query, "limit") or str(MAX_LIST_LIMIT)
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIST_LIMIT:
            raise invalid("limit", f"must be an integer from 1 to {MAX_LIST_LIMIT}")
        return self.book.find(
            _one(query, "externalOrderId"), _one(query, "portfolioId"), int(limit_text)
        )

    def _patch(self, order_id: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == UPLOAD_PART_SIGNED_TX:
            return self.book.add_part_signature(order_id, _body(body))
        if content_type == CANCEL_ORDER:
            return self.book.cancel(order_id)
        raise invalid("Content-Type", f"{content_type[:80]!r} names no supported order action")

    def _hook(self, method: str, path: str, body: bytes) -> Answer:
        """Test hooks (not Copper's API)."""
        match method, path.rstrip("/"):
            case "POST", "/_sim/faults":
                request = _body(body)
                faults = self.faults.configure(request)
                if "hold_broadcast" in request:
                    if not isinstance(request["hold_broadcast"], bool):
                        raise invalid("hold_broadcast", "must be true or false")
                    self._held = request["hold_broadcast"]
                    self._hold_broadcast(self._held)
                return HTTPStatus.OK, {"faults": faults, "hold_broadcast": self._held}
            case "POST", "/_sim/tamper":
                request = _body(body)
                order_id, changes = request.get("orderId"), request.get("set")
                if not isinstance(order_id, str) or not isinstance(changes, dict):
                    raise invalid("body", "needs orderId (a string) and set (an object)")
                return HTTPStatus.OK, self.book.tamper(order_id, changes)
            case "GET", "/_sim/orders":
                return HTTPStatus.OK, {"orders": self.book.all_orders()}
            case "GET", "/_sim/stats":
                with self._lock:
                    counts = dict(self._counts)
                return HTTPStatus.OK, {**counts, **self.book.stats()}
        raise not_found(f"no test hook {method} {path[:100]}")
