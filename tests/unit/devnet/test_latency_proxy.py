"""The bench's database latency proxy adds its round trip and forwards bytes unchanged."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from wpokt_devnet.latency_proxy import LatencyProxy


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    yield port
    server.close()


def _round_trip(port: int, payload: bytes) -> tuple[bytes, float]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        started = time.monotonic()
        conn.sendall(payload)
        received = b""
        while len(received) < len(payload):
            received += conn.recv(65536)
        return received, time.monotonic() - started


def test_a_round_trip_through_the_proxy_takes_at_least_its_delay_and_keeps_the_bytes(
    echo_port: int,
) -> None:
    proxy = LatencyProxy("127.0.0.1", echo_port, rtt_ms=200).start()
    try:
        payload = bytes(range(256)) * 1000  # several chunks, in order
        received, elapsed = _round_trip(proxy.listen_port, payload)
        assert received == payload
        assert elapsed >= 0.2
        again, elapsed = _round_trip(proxy.listen_port, b"ping")
        assert (again, elapsed >= 0.2) == (b"ping", True)
    finally:
        proxy.stop()
