"""Copper's request signing, exactly as its "Authentication" page documents it: the hex
HMAC-SHA256, keyed with the API secret, of ``timestamp + METHOD + path-with-query + body``,
sent with ``Authorization: ApiKey <key>`` and ``X-Timestamp`` (Unix milliseconds)."""

from __future__ import annotations

import hashlib
import hmac

from wpokt_node.secret import Secret


def request_signature(secret: str, timestamp_ms: str, method: str, path: str, body: str) -> str:
    """``X-Signature`` of one request; ``path`` includes the ``/platform`` prefix and the query
    exactly as sent, ``body`` is the body as sent (empty without one)."""
    message = f"{timestamp_ms}{method.upper()}{path}{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    api_key: Secret, api_secret: Secret, *, method: str, path: str, body: str, now_ms: int
) -> dict[str, str]:
    """The three headers that authenticate a request."""
    timestamp = str(now_ms)
    return {
        "Authorization": f"ApiKey {api_key.reveal()}",
        "X-Timestamp": timestamp,
        "X-Signature": request_signature(api_secret.reveal(), timestamp, method, path, body),
    }
