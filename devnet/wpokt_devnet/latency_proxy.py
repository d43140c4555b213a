"""A TCP proxy that adds a fixed delay each way: what a database in another AWS region does to
every command (``make bench --db-rtt-ms``). Latency only: bytes are forwarded in order, as
soon as they are due, with no bandwidth limit, so pipelined traffic is not slowed further.

``python -m wpokt_devnet.latency_proxy --listen PORT --to HOST:PORT --rtt-ms 250``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

CHUNK = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay_s: float) -> None:
    """Forward what ``reader`` yields to ``writer``, each chunk ``delay_s`` after it arrived."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def receive() -> None:
        while chunk := await reader.read(CHUNK):
            queue.put_nowait((time.monotonic() + delay_s, chunk))
        queue.put_nowait((time.monotonic() + delay_s, b""))

    async def send() -> None:
        while True:
            due, chunk = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()

    receiving = asyncio.ensure_future(receive())
    try:
        await send()
    finally:
        receiving.cancel()
        with contextlib.suppress(OSError):
            writer.close()


@dataclass
class LatencyProxy:
    """Listens on ``listen_port`` (127.0.0.1) and forwards to ``target``, adding ``rtt_ms / 2``
    each way. ``start()`` runs it in a daemon thread; ``stop()`` closes it."""

    target_host: str
    target_port: int
    rtt_ms: float
    listen_port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.AbstractServer | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_w.close()
            return
        delay = self.rtt_ms / 2000
        await asyncio.gather(
            _pipe(client_r, server_w, delay), _pipe(server_r, client_w, delay),
            return_exceptions=True,
        )  # fmt: skip

    async def _serve(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.listen_port)
        self.listen_port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        async with self._server:
            await self._server.serve_forever()

    def start(self) -> LatencyProxy:
        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(self._serve())
            pending = asyncio.all_tasks(loop)  # connections still open: end them
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        threading.Thread(target=run, name="latency-proxy", daemon=True).start()
        if not self._ready.wait(10):
            raise RuntimeError("the latency proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="latency-proxy", description=__doc__)
    parser.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--to", required=True, metavar="HOST:PORT")
    parser.add_argument("--rtt-ms", type=float, required=True)
    args = parser.parse_args(argv)
    host, _, port = args.to.rpartition(":")
    proxy = LatencyProxy(host or "127.0.0.1", int(port), args.rtt_ms, args.listen)
    print(f"latency proxy 127.0.0.1:{args.listen} -> {args.to}, {args.rtt_ms} ms round trip")
    sys.stdout.flush()
    asyncio.run(proxy._serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
