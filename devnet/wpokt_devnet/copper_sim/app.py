"""The Copper simulator in one object: the platform server, one CUO server per node and the
broadcast thread, all on 127.0.0.1 in this process.

``CopperSimulator(config).start()`` serves from background threads (port 0 picks free ports;
``platform_url`` and ``cuo_urls`` tell which); ``run_until_signal`` is the foreground mode of
``python -m wpokt_devnet.copper_sim``.
"""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import structlog

from wpokt_devnet.copper_sim.broadcast import Broadcaster
from wpokt_devnet.copper_sim.chains import EthereumPayer, Payer, PocketPayer
from wpokt_devnet.copper_sim.config import CopperSimConfig
from wpokt_devnet.copper_sim.cuo import CuoApi
from wpokt_devnet.copper_sim.orders import OrderBook
from wpokt_devnet.copper_sim.platform import PlatformApi
from wpokt_devnet.copper_sim.validation import ETH, POKT
from wpokt_devnet.copper_sim.web import make_server, url_of
from wpokt_devnet.processes import serve_until_signal

log = structlog.get_logger(__name__)


class CopperSimulator:
    def __init__(self, config: CopperSimConfig, *, retry_s: float = 30.0) -> None:
        """``retry_s``: how long the broadcast retries an unreachable chain before anything
        was sent (then the order goes to ``error``)."""
        self.config = config
        self._stopping = threading.Event()
        secrets = {shard: config.shard_secret(shard) for shard in config.shards}
        self.book = OrderBook(config.threshold, {s: v for s, v in secrets.items() if v})
        self.pocket = PocketPayer(config.pocket, self._stopping, retry_s) if config.pocket else None
        self.ethereum = (
            EthereumPayer(config.ethereum, self._stopping, retry_s) if config.ethereum else None
        )
        payers: dict[str, Payer] = {}
        if self.pocket is not None:
            payers[POKT] = self.pocket
        if self.ethereum is not None:
            payers[ETH] = self.ethereum
        self.broadcaster = Broadcaster(self.book, payers, self._stopping)
        self.platform = PlatformApi(
            self.book,
            portfolio_id=config.portfolio_id,
            api_keys=config.api_keys,
            currencies=frozenset(payers),
            max_skew_ms=config.max_skew_ms,
            hold_broadcast=self.broadcaster.hold,
        )
        self._servers: list[ThreadingHTTPServer] = []
        self._cuo_servers: dict[str, ThreadingHTTPServer] = {}
        try:
            self._servers.append(make_server(self.platform, config.platform_port, "CopperPlatform"))
            for entry in config.cuo:
                api = CuoApi(entry.node_id, Path(entry.keys_dir), self.platform_url)
                server = make_server(api, entry.port, "CopperCuo")
                self._servers.append(server)
                self._cuo_servers[entry.node_id] = server
        except BaseException:
            self._close_servers()
            raise
        self._threads: list[threading.Thread] = []

    @property
    def platform_url(self) -> str:
        return url_of(self._servers[0])

    @property
    def cuo_urls(self) -> dict[str, str]:
        """Each node's CUO URL, by node id."""
        return {node_id: url_of(server) for node_id, server in self._cuo_servers.items()}

    @property
    def pocket_vault_address(self) -> str | None:
        return self.pocket.address if self.pocket else None

    @property
    def ethereum_vault_address(self) -> str | None:
        return self.ethereum.address if self.ethereum else None

    def ready_line(self) -> dict[str, Any]:
        """What ``python -m wpokt_devnet.copper_sim`` prints once it serves."""
        return {"copper_sim": "ready", "platform_url": self.platform_url, "cuo_urls": self.cuo_urls}

    def start(self) -> CopperSimulator:
        if self._threads:
            raise RuntimeError("the Copper simulator is already running")
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            self._threads.append(thread)
            thread.start()
        self.broadcaster.start()
        log.info("copper_sim.started", **self.ready_line())
        return self

    def stop(self) -> None:
        """Stop serving and broadcasting (an order in flight keeps its status)."""
        self._stopping.set()
        if self._threads:  # each shutdown waits for a poll interval: shut all down at once
            stoppers = [threading.Thread(target=server.shutdown) for server in self._servers]
            for stopper in stoppers:
                stopper.start()
            for stopper in stoppers:
                stopper.join(timeout=5)
        self._close_servers()
        for thread in self._threads:
            thread.join(timeout=5)
        self.broadcaster.join(timeout_s=5)
        if self.pocket is not None:
            self.pocket.wallet.close()
        self._threads = []
        log.info("copper_sim.stopped")

    def _close_servers(self) -> None:
        for server in self._servers:
            server.server_close()

    def __enter__(self) -> CopperSimulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def run_until_signal(self) -> None:
        """Serve in the foreground until SIGTERM or SIGINT; print one JSON ready line."""
        serve_until_signal(self.start, self.stop, lambda: json.dumps(self.ready_line()))
