"""Request authentication and co-signing digests: the simulator's own implementation (it does
not import the node's Copper client, so the two are checked against each other).

Request signatures follow Copper's "Authentication" page: ``X-Signature`` is the hex
HMAC-SHA256, keyed with the API secret, of ``timestamp + METHOD + path-with-query + body``.
Part signatures are an assumption (docs/copper.md): a shard holder "signs" the sha256 of the
canonical JSON of the order's ``extra.transactionRequest`` with HMAC-SHA256 keyed by its
shard secret, standing in for Copper's MPC partial signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

UNAUTHORIZED = "unauthorized"
INVALID_SIGNATURE = "invalid-signature"
TIMESTAMP_EXPIRED = "timestamp-expired"


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces: the bytes whose sha256 is a sign request's hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def sign_request_hash(sign_request: Any) -> str:
    """Lowercase hex sha256 of the canonical JSON of a sign request."""
    return hashlib.sha256(canonical_json(sign_request)).hexdigest()


def part_signature(shard_secret: bytes, request_hash: str) -> str:
    """A shard's part signature over a sign request hash (assumption, docs/copper.md)."""
    return hmac.new(shard_secret, bytes.fromhex(request_hash), hashlib.sha256).hexdigest()


def request_signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """Hex HMAC-SHA256(secret, timestamp + METHOD + path-with-query + body) (Copper docs,
    "Authentication")."""
    message = (timestamp + method.upper() + path).encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    api_key: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    *,
    now_ms: int | None = None,
) -> dict[str, str]:
    """The three authentication headers of one platform request."""
    timestamp = str(int(time.time() * 1000) if now_ms is None else now_ms)
    return {
        "Authorization": f"ApiKey {api_key}",
        "X-Timestamp": timestamp,
        "X-Signature": request_signature(secret, timestamp, method, path, body),
    }


class AuthError(Exception):
    """A request failed authentication; ``code`` is the platform's error code (always 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def authenticate(
    api_keys: Mapping[str, str],
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    *,
    max_skew_ms: int,
    now_ms: int | None = None,
) -> str:
    """The API key of an authentic request, else AuthError. ``headers`` has lower-case names.

    Checked in this order: the key (unauthorized), the signature (invalid-signature), then the
    timestamp's distance from the platform clock (timestamp-expired), so a stale request is
    only reported as such when it is authentic. The window, the codes and this order are an
    assumption (docs/copper.md). An unparsable timestamp is timestamp-expired.
    """
    scheme, _, api_key = (headers.get("authorization") or "").partition(" ")
    secret = api_keys.get(api_key.strip()) if scheme == "ApiKey" else None
    if secret is None:
        raise AuthError(UNAUTHORIZED, "missing or unknown API key")
    timestamp = headers.get("x-timestamp") or ""
    given = headers.get("x-signature") or ""  # lower-case hex, compared exactly
    expected = request_signature(secret, timestamp, method, path, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise AuthError(INVALID_SIGNATURE, "X-Signature does not match the request")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if not timestamp.isdigit() or abs(now - int(timestamp)) > max_skew_ms:
        raise AuthError(
            TIMESTAMP_EXPIRED, f"X-Timestamp must be within {max_skew_ms} ms of the server clock"
        )
    return api_key.strip()
