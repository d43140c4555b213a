"""Copper request signing against the documented example ("Authentication", developer.copper.co)
and against the documented recipe itself, run with openssl as the page runs it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from wpokt_node.custody.copper.auth import request_signature, signed_headers
from wpokt_node.secret import Secret

DOC_TIMESTAMP = "1730482675607"
DOC_BODY = '{"orderType":"withdraw","amount":"1.0"}'
DOC_STRING = '1730482675607POST/platform/orders{"orderType":"withdraw","amount":"1.0"}'
SECRET = "W02cN5UDsF-test-secret-SJtTyjDtq5SN"


def _openssl_hmac(secret: str, message: str) -> str:
    """The page's recipe: ``echo -n "$STRING" | openssl dgst -sha256 -hmac $SECRET``."""
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret],
        input=message.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    return out.strip().split("= ")[-1]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_given_the_documented_example_when_signed_then_it_is_the_recipes_hmac() -> None:
    ours = request_signature(SECRET, DOC_TIMESTAMP, "POST", "/platform/orders", DOC_BODY)
    assert ours == _openssl_hmac(SECRET, DOC_STRING)
    assert len(ours) == 64
    assert ours == ours.lower()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_given_a_get_with_a_query_when_signed_then_the_query_and_an_empty_body_are_signed() -> None:
    path = "/platform/orders?externalOrderId=wpokt-mint-ab&portfolioId=p1"
    ours = request_signature(SECRET, "1700000000000", "get", path, "")
    assert ours == _openssl_hmac(SECRET, "1700000000000GET" + path)


def test_given_one_changed_character_when_signed_then_the_signature_differs() -> None:
    base = request_signature(SECRET, DOC_TIMESTAMP, "POST", "/platform/orders", DOC_BODY)
    for changed in (
        request_signature(SECRET, "1730482675608", "POST", "/platform/orders", DOC_BODY),
        request_signature(SECRET, DOC_TIMESTAMP, "PATCH", "/platform/orders", DOC_BODY),
        request_signature(SECRET, DOC_TIMESTAMP, "POST", "/platform/orders/", DOC_BODY),
        request_signature(SECRET, DOC_TIMESTAMP, "POST", "/platform/orders", DOC_BODY + " "),
        request_signature(SECRET + "x", DOC_TIMESTAMP, "POST", "/platform/orders", DOC_BODY),
    ):
        assert changed != base


def test_given_secrets_when_headers_are_built_then_the_secret_is_in_no_header() -> None:
    headers = signed_headers(
        Secret("key-123"), Secret(SECRET), method="POST", path="/platform/orders",
        body=DOC_BODY, now_ms=int(DOC_TIMESTAMP),
    )  # fmt: skip
    assert headers["Authorization"] == "ApiKey key-123"
    assert headers["X-Timestamp"] == DOC_TIMESTAMP
    assert headers["X-Signature"] == _openssl_hmac(SECRET, DOC_STRING)
    assert all(SECRET not in value for value in headers.values())
