"""This node's Copper Unlimited Online co-signer (the guides "Sign transaction" and "Get status
of the sign request"): ``POST /sign-async`` with the shard's file name and password, the API
key and the order's sign request, then ``GET /sign-async/{transactionRequestId}`` until it is
``completed`` or ``error``. CUO uploads the partial signature to the platform itself."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from wpokt_node.custody.copper.client import CopperError, CopperUnavailableError
from wpokt_node.errors import NotReadyError
from wpokt_node.logs import get_logger
from wpokt_node.secret import Secret, redact

log = get_logger(__name__)

IN_FLIGHT = frozenset({"starting", "session-established", "in-progress"})


class CuoClient:
    """Asks this node's CUO to add its partial signature to an order."""

    def __init__(
        self,
        base_url: str,
        *,
        key_filename: str,
        key_password: Secret,
        api_key: Secret,
        api_secret: Secret,
        timeout_s: float,
        attempts: int,
        sign_timeout_s: float,
        poll_s: float,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._key_filename = key_filename
        self._password = key_password
        self._api_key = api_key
        self._api_secret = api_secret
        self._timeout = timeout_s
        self._attempts = max(1, attempts)
        self._sign_timeout = sign_timeout_s
        self._poll = poll_s
        self._session = session or requests.Session()
        self._sleep = sleep

    def __repr__(self) -> str:
        return "CuoClient([shard not shown])"

    def sign(self, sign_request: Mapping[str, Any]) -> str:
        """Sign ``sign_request`` with this node's shard; returns CUO's final message (the
        partial signature). NotReadyError if CUO has not finished within ``sign_timeout_s``
        (a later pass asks again: a shard's second signature of one request counts once)."""
        request_id = sign_request.get("transactionRequestId")
        if not isinstance(request_id, str) or not request_id:
            raise CopperError("the order's sign request has no transactionRequestId")
        body = {
            "type": "request",
            "keyFilename": self._key_filename,
            "keyPassword": self._password.reveal(),
            "transactionRequestId": request_id,
            "apiKey": self._api_key.reveal(),
            "apiSecret": self._api_secret.reveal(),
            "signRequest": dict(sign_request),
        }
        self._request("POST", "/sign-async", body)
        deadline = time.monotonic() + self._sign_timeout
        while True:
            state = self._request("GET", f"/sign-async/{request_id}", None)
            status, message = state.get("status"), str(state.get("message") or "")
            if status == "completed":
                return message
            if status == "error":
                raise CopperError(f"CUO could not sign: {self._scrub(message)}", code="cuo-error")
            if status not in IN_FLIGHT:
                raise CopperError(f"CUO answered an unknown status {str(status)[:40]!r}")
            if time.monotonic() >= deadline:
                raise NotReadyError(f"CUO still {status} after {self._sign_timeout:.0f} s")
            self._sleep(self._poll)

    def _scrub(self, text: str) -> str:
        """``text`` without the secrets this client sends CUO (should CUO echo them)."""
        for secret in (self._password, self._api_secret, self._api_key):
            value = secret.reveal()
            for form in {value, json.dumps(value)[1:-1]}:  # as sent, and as JSON escapes it
                if form:
                    text = text.replace(form, "[REDACTED]")
        return redact(text)[:300]

    def reachable(self) -> None:
        """Raise CopperError unless this node's CUO answers (an unknown request id is a 404,
        which is an answer)."""
        try:
            self._request("GET", "/sign-async/wpokt-node-startup-check", None)
        except CopperError as exc:
            if exc.status != 404:
                raise

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None) -> dict[str, Any]:
        last = "no attempt"
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._session.request(
                    method,
                    self._base + path,
                    json=body,
                    timeout=self._timeout,
                    allow_redirects=False,  # the body carries secrets: to CUO and nowhere else
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = type(exc).__name__
            else:
                if response.status_code < 500:
                    return _answer(method, response, self._scrub)
                last = f"HTTP {response.status_code}"
            log.warning("cuo_retry", method=method, attempt=attempt, error=last)
            if attempt < self._attempts:
                self._sleep(0.5 * 2 ** (attempt - 1))
        raise CopperUnavailableError(f"CUO {method} failed after {self._attempts} attempts: {last}")


def _answer(
    method: str, response: requests.Response, scrub: Callable[[str], str]
) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 300 or not isinstance(data, dict):
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        message = str(data.get("message", "")) if isinstance(data, dict) else response.text
        raise CopperError(
            f"CUO {method} answered HTTP {response.status_code} {code}: {scrub(message)}",
            status=response.status_code,
            code=code,
        )
    return data
