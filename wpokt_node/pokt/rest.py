"""JSON over HTTP to one Pocket REST endpoint, with bounded retries.

Transient failures (connection errors, timeouts, HTTP 5xx/429, a body that is not a JSON
object) are retried with bounded, jittered exponential backoff (tenacity); other 4xx answers,
and 5xx answers carrying gRPC InvalidArgument (3) or Internal (13) (the chain would answer the
same again), are not retried. Every failure surfaces as ``ChainError`` with the endpoint path
(never the base URL, which may hold a provider key). "Not found" answers become ``None`` when
asked for.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from wpokt_node.errors import ChainError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.metrics import RPC_ERRORS, RPC_SECONDS

log = get_logger(__name__)

GRPC_UNKNOWN = 2
GRPC_INVALID_ARGUMENT = 3
GRPC_NOT_FOUND = 5
GRPC_INTERNAL = 13
_MAX_ERROR_TEXT = 300

Params = Sequence[tuple[str, str]]


class _TransientError(Exception):
    """A failure worth retrying."""


def _is_not_found(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    if data.get("code") == GRPC_NOT_FOUND:
        return True
    message = data.get("message")
    return isinstance(message, str) and "not found" in message.lower()


def _is_keeper_not_found(data: object) -> bool:
    """A keeper's ``ErrNotFound``, bare (``not found``: a vote) or wrapped (``load proposal: not
    found``), answered as code 2 (Unknown): not any 500 that mentions "not found"."""
    if not isinstance(data, dict) or data.get("code") != GRPC_UNKNOWN:
        return False
    message = data.get("message")
    return isinstance(message, str) and (message == "not found" or message.endswith(": not found"))


def _is_refusal(data: object) -> bool:
    """A gRPC answer the chain would repeat: InvalidArgument (3) or Internal (13), which the
    SDK's gateway returns for a query it cannot run (e.g. a malformed tx search)."""
    return isinstance(data, dict) and data.get("code") in (GRPC_INVALID_ARGUMENT, GRPC_INTERNAL)


def _error_text(data: object, response: requests.Response) -> str:
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])[:_MAX_ERROR_TEXT]
    return response.text[:_MAX_ERROR_TEXT].replace("\n", " ") or "(empty body)"


class RestTransport:
    """Requests against one base URL; answers are JSON objects (or None for "not found")."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        retries: int,
        backoff_s: float,
        max_backoff_s: float,
        session: requests.Session | None = None,
    ) -> None:
        if retries < 1:
            raise ValidationError("retries must be at least 1 (the first attempt)")
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._attempts = retries
        self._backoff = backoff_s
        self._max_backoff = max_backoff_s
        self._session = session or requests.Session()

    def close(self) -> None:
        self._session.close()

    def __repr__(self) -> str:
        return "RestTransport([endpoint not shown])"

    def _once(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Mapping[str, Any] | None,
        not_found_ok: bool,
    ) -> dict[str, Any] | None:
        started = time.perf_counter()
        try:
            return self._answer(method, path, params, body, not_found_ok)
        except _TransientError:
            RPC_ERRORS.labels("pocket").inc()
            raise
        finally:
            RPC_SECONDS.labels("pocket").observe(time.perf_counter() - started)

    def _answer(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Mapping[str, Any] | None,
        not_found_ok: bool,
    ) -> dict[str, Any] | None:
        try:
            response = self._session.request(
                method, self._base + path, params=params, json=body, timeout=self._timeout
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _TransientError(f"{type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise ChainError(f"Pocket REST {method} {path}: {type(exc).__name__}") from None
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if status == 404 and not_found_ok and _is_not_found(data):
            return None
        # x/group's "load proposal: not found" has no gRPC code: the gateway answers 500/Unknown.
        if status == 500 and not_found_ok and _is_keeper_not_found(data):
            return None
        if status >= 500 and _is_refusal(data):
            raise ChainError(
                f"Pocket REST {method} {path} refused the request: {_error_text(data, response)}"
            )
        if status >= 500 or status == 429:
            raise _TransientError(f"HTTP {status}: {_error_text(data, response)}")
        if status >= 400:
            raise ChainError(
                f"Pocket REST {method} {path} answered HTTP {status}: {_error_text(data, response)}"
            )
        if not isinstance(data, dict):
            raise _TransientError(f"HTTP {status} with a body that is not a JSON object")
        return data

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
        not_found_ok: bool = False,
    ) -> dict[str, Any] | None:
        """The JSON object answered; None only with ``not_found_ok`` and a "not found" answer."""

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "pokt_rest_retry",
                method=method,
                path=path,
                attempt=state.attempt_number,
                error=str(error),
            )

        retrying = Retrying(
            retry=retry_if_exception_type(_TransientError),
            stop=stop_after_attempt(self._attempts),
            wait=wait_random_exponential(multiplier=self._backoff, max=self._max_backoff),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, params, body, not_found_ok)
        except _TransientError as exc:
            log.error("pokt_rest_failed", method=method, path=path, error=str(exc))
            raise ChainError(
                f"Pocket REST {method} {path} failed after {self._attempts} attempts: {exc}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, path: str, params: Params | None = None) -> dict[str, Any]:
        data = self.request("GET", path, params=params)
        assert data is not None
        return data

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        data = self.request("POST", path, body=body)
        assert data is not None
        return data
