"""The Pocket simulator: chain state + REST server + block timer, in one object.

``PoktSimulator(genesis).start()`` serves on 127.0.0.1 (port 0 picks a free one) from
background threads; ``run_until_signal`` is the foreground mode of
``wpokt-node devnet pokt``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import structlog

from wpokt_devnet.pokt_sim.genesis import Genesis
from wpokt_devnet.pokt_sim.http import make_server
from wpokt_devnet.pokt_sim.state import ChainState, Clock
from wpokt_devnet.processes import serve_until_signal

log = structlog.get_logger(__name__)

HOST = "127.0.0.1"


class PoktSimulator:
    def __init__(
        self, genesis: Genesis, *, port: int = 0, host: str = HOST, clock: Clock | None = None
    ) -> None:
        """``clock`` gives block times (tests move it to end voting periods)."""
        self.genesis = genesis
        self.host = host
        self.state = ChainState(genesis, clock) if clock else ChainState(genesis)
        if genesis.state_file and Path(genesis.state_file).exists():
            self.state.restore(Path(genesis.state_file))
        self._server = make_server(self.state, host, port)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> PoktSimulator:
        serve = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._threads.append(serve)
        if not self.genesis.instant:
            self._threads.append(threading.Thread(target=self._produce_blocks, daemon=True))
        for thread in self._threads:
            thread.start()
        log.info(
            "pokt_sim.started",
            url=self.url,
            chain_id=self.genesis.chain_id,
            block_time_s=self.genesis.block_time_s,
            height=self.state.height,
        )
        return self

    def _produce_blocks(self) -> None:
        while not self._stopping.wait(self.genesis.block_time_s):
            try:
                self.state.produce_block()
            except Exception:
                log.exception("pokt_sim.block_failed")

    def stop(self) -> None:
        self._stopping.set()
        if self._threads:
            self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self.state.save()
        log.info("pokt_sim.stopped", height=self.state.height)

    def __enter__(self) -> PoktSimulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def run_until_signal(self) -> None:
        """Serve in the foreground until SIGTERM or SIGINT (printing the URL), then stop."""
        serve_until_signal(self.start, self.stop, lambda: self.url)
