"""The secrets the node hands its CUO (shard password, API key and secret) never come back out
in an error, and never follow a redirect to another address."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.unit.copper.test_config import COPPER
from tests.unit.test_config import example_data, problems_of
from wpokt_node.custody.copper.client import CopperError
from wpokt_node.custody.copper.cuo import CuoClient
from wpokt_node.secret import Secret

# A quote and a non-ASCII letter: an echo of the JSON body shows them escaped.
PASSWORD, API_KEY, API_SECRET = 'shard-pw-"\u00fc-123456', "key-abcdef", "secret-987654"
SEEN: list[str] = []


class _EchoingCuo(BaseHTTPRequestHandler):
    """A CUO that echoes the request it refuses, or redirects it elsewhere."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        SEEN.append(self.path)
        if self.path == "/sign-async" and "redirect" in self.server.mode:  # type: ignore[attr-defined]
            self.send_response(307)
            self.send_header("Location", "/leak")
            self.end_headers()
            return
        answer = json.dumps({"error": "bad-request", "message": f"cannot parse {body}"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(params=["echo", "redirect"])
def cuo_url(request: pytest.FixtureRequest) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingCuo)
    server.mode = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    SEEN.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_given_a_cuo_that_echoes_or_redirects_then_no_secret_leaves_in_the_error(
    cuo_url: str,
) -> None:
    cuo = CuoClient(
        cuo_url,
        key_filename="node.shard",
        key_password=Secret(PASSWORD),
        api_key=Secret(API_KEY),
        api_secret=Secret(API_SECRET),
        timeout_s=2,
        attempts=1,
        sign_timeout_s=2,
        poll_s=0.05,
    )
    with pytest.raises(CopperError) as refused:
        cuo.sign({"transactionRequestId": "tr-1", "orderId": "o-1"})
    for secret in (PASSWORD, API_KEY, API_SECRET):
        assert secret not in str(refused.value)
        assert json.dumps(secret)[1:-1] not in str(refused.value)
    assert "-123456" not in str(refused.value)
    assert "/leak" not in SEEN  # a redirect is an error, not a second request


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("http://127.0.0.1:3010", True),
        ("http://localhost:3010", True),
        ("http://[::1]:3010", True),
        ("https://cuo.internal:3010", True),
        ("http://cuo.internal:3010", False),
        ("http://10.0.0.5:3010", False),
    ],
)
def test_given_a_cuo_url_then_plain_http_is_only_for_this_host(url: str, accepted: bool) -> None:
    data = example_data()
    data["pocket"]["custody"] = "copper"
    data["copper"] = {**COPPER, "cuo_url": url}
    if accepted:
        from wpokt_node.config import parse_settings

        assert parse_settings(data, {}).copper is not None
    else:
        assert any("cuo_url" in p for p in problems_of(data))
