"""A tiny HTTP server on 127.0.0.1 whose answers a test scripts (for REST client failure modes)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any


Reply = tuple[int, Any]  # (status, JSON-able object or raw bytes)
Handler = Callable[[Request], Reply]


@dataclass
class ScriptedServer:
    routes: dict[tuple[str, str], list[Reply] | Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def on(self, method: str, path: str, *replies: Reply | Handler) -> None:
        if len(replies) == 1 and callable(replies[0]):
            self.routes[(method, path)] = replies[0]
        else:
            self.routes[(method, path)] = [r for r in replies if not callable(r)]

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if (r.method, r.path) == (method, path))

    def _reply(self, request: Request) -> Reply:
        self.requests.append(request)
        route = self.routes.get((request.method, request.path))
        if route is None:
            return 501, {"code": 12, "message": "Not Implemented"}
        if callable(route):
            return route(request)
        return route.pop(0) if len(route) > 1 else route[0]

    def start(self) -> None:
        scripted = self

        class _Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                status, payload = scripted._reply(
                    Request(method, parts.path, parse_qsl(parts.query), body)
                )
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
