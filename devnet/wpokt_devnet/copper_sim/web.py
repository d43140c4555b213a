"""The HTTP plumbing the platform and the CUO servers share: read a request, hand it to an
``Api`` (method, raw path, lower-case headers, body -> status, JSON body), write the answer.
Every request is answered: a bug is a 500, never a dead server thread."""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Protocol

import structlog

log = structlog.get_logger(__name__)

HOST = "127.0.0.1"
MAX_BODY_BYTES = 1024 * 1024
Answer = tuple[HTTPStatus, dict[str, Any]]


class Api(Protocol):
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        """``path`` is the request target exactly as sent (with its query)."""
        ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: ClassVar[Api]

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                {"error": "validation-error", "message": "missing or oversized request body"},
            )
            return
        body = self.rfile.read(int(length))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            status, answer = self.api.handle(self.command, self.path, headers, body)
        except Exception as exc:
            log.exception("copper_sim.internal_error", path=self.path[:200])
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            answer = {"error": "internal-error", "message": type(exc).__name__}
        self._send(status, answer)

    def _send(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        encoded = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


def make_server(api: Api, port: int, name: str) -> ThreadingHTTPServer:
    """A threading server on 127.0.0.1:``port`` (0: a free port) answering with ``api``."""
    handler = type(name, (_Handler,), {"api": api})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None if it is not one (an empty body is ``{}``)."""
    try:
        value = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}"
