"""The Copper platform client: signed requests (``custody.copper.auth``), bounded retries,
and the order calls the back ends use. Secrets never reach a log line or an error message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import requests

from wpokt_node.custody.copper.auth import signed_headers
from wpokt_node.custody.copper.orders import CopperOrder, OrderRequest
from wpokt_node.errors import WpoktError
from wpokt_node.logs import get_logger
from wpokt_node.secret import Secret

log = get_logger(__name__)

DUPLICATE = "duplicate-external-order-id"  # assumption (docs/copper.md): 409 with this code
_BACKOFF_S = 0.5
_MAX_ERROR_TEXT = 300


class CopperError(WpoktError):
    """Copper refused a request, or could not be reached after every attempt."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class CopperUnavailableError(CopperError):
    """No answer, a timeout, or a 5xx/429 after every attempt: the outcome is unknown."""


class CopperClient:
    """One Copper account (API key) against one platform URL."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: Secret,
        api_secret: Secret,
        timeout_s: float,
        attempts: int,
        session: requests.Session | None = None,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._key = api_key
        self._secret = api_secret
        self._timeout = timeout_s
        self._attempts = max(1, attempts)
        self._session = session or requests.Session()
        self._clock_ms = clock_ms
        self._sleep = sleep

    def __repr__(self) -> str:
        return "CopperClient([account not shown])"

    # -- orders -----------------------------------------------------------------------------

    def create_order(self, request: OrderRequest) -> CopperOrder:
        """Create the order, or return the one the portfolio already has under its
        ``externalOrderId``: Copper's uniqueness, not the database, makes it one order. A
        retried create whose first answer was lost finds its own order this way."""
        try:
            data = self._call("POST", "/platform/orders", body=request.body())
        except CopperError as exc:
            if exc.code != DUPLICATE and not isinstance(exc, CopperUnavailableError):
                raise
            existing = self.find_order(request.external_order_id, request.portfolio_id)
            if existing is None:
                raise
            return existing
        return CopperOrder.from_json(data)

    def find_order(self, external_order_id: str, portfolio_id: str) -> CopperOrder | None:
        """The portfolio's order with this ``externalOrderId``, or None."""
        query = urlencode({"externalOrderId": external_order_id, "portfolioId": portfolio_id})
        data = self._call("GET", f"/platform/orders?{query}")
        listed = data.get("orders")
        if not isinstance(listed, list):
            raise CopperError("Copper's order list has no 'orders' array")
        found = [CopperOrder.from_json(item) for item in listed]
        found = [
            o
            for o in found
            if o.external_order_id == external_order_id and o.portfolio_id == portfolio_id
        ]
        if len(found) > 1:
            raise CopperError(
                f"Copper lists {len(found)} orders with externalOrderId {external_order_id}"
            )
        return found[0] if found else None

    def get_order(self, order_id: str) -> CopperOrder:
        return CopperOrder.from_json(self._call("GET", f"/platform/orders/{order_id}"))

    # -- transport ----------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One signed request with bounded retries of what may be transient (no answer, 5xx,
        429, an expired timestamp); the JSON object answered."""
        text = "" if body is None else json.dumps(body, separators=(",", ":"))
        last: CopperError | None = None
        for attempt in range(1, self._attempts + 1):
            try:
                return self._once(method, path, text)
            except CopperError as exc:
                retry = isinstance(exc, CopperUnavailableError) or exc.code == "timestamp-expired"
                if not retry:
                    raise
                last = exc
                route = path.split("?", maxsplit=1)[0]
                log.warning(
                    "copper_retry", method=method, path=route, attempt=attempt, error=str(exc)
                )
                if attempt < self._attempts:
                    self._sleep(_BACKOFF_S * 2 ** (attempt - 1))
        assert last is not None
        raise last

    def _once(self, method: str, path: str, body: str) -> dict[str, Any]:
        headers = signed_headers(
            self._key, self._secret, method=method, path=path, body=body,
            now_ms=self._clock_ms(),
        )  # fmt: skip
        headers["Content-Type"] = "application/json"
        try:
            response = self._session.request(
                method,
                self._base + path,
                data=body.encode() if body else None,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,  # signed for this URL only
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise CopperUnavailableError(f"Copper {method}: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise CopperError(f"Copper {method}: {type(exc).__name__}") from None
        return _answer(method, path, response)


def _answer(method: str, path: str, response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    status = response.status_code
    where = f"Copper {method} {path.split('?', maxsplit=1)[0]}"
    if status >= 500 or status == 429:
        raise CopperUnavailableError(f"{where} answered HTTP {status}", status=status)
    if status >= 300:
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        message = str(data.get("message", "")) if isinstance(data, dict) else response.text
        raise CopperError(
            f"{where} answered HTTP {status} {code}: {message[:_MAX_ERROR_TEXT]}",
            status=status,
            code=code,
        )
    if not isinstance(data, dict):
        raise CopperUnavailableError(f"{where}: HTTP {status} without a JSON object")
    return data
