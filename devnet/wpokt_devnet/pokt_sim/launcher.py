"""Start the Pocket simulator as a child process (``wpokt-node devnet pokt``) and stop it.

The child binds port 0 and prints its URL; the launcher reads it from the child's stdout
file, waits until the REST API answers, and stops the child by its pid (SIGTERM, then
SIGKILL after a grace period). Used by the devnet and the test fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import requests

from wpokt_devnet.processes import stop_child
from wpokt_node.errors import ChainError

READY_PATH = "/cosmos/base/tendermint/v1beta1/blocks/latest"


class PoktSimProcess:
    def __init__(
        self,
        genesis: dict[str, Any],
        workdir: Path,
        *,
        port: int = 0,
        startup_timeout_s: float = 20.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.genesis = genesis
        self.port = port
        self.startup_timeout_s = startup_timeout_s
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def log_file(self) -> Path:
        return self.workdir / "pokt-sim.log"

    def start(self) -> PoktSimProcess:
        if self._process is not None:
            raise ChainError("the Pocket simulator is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        genesis_file = self.workdir / "pokt-genesis.json"
        genesis_file.write_text(json.dumps(self.genesis, indent=2), encoding="utf-8")
        stdout_file = self.workdir / "pokt-sim.url"
        stdout = stdout_file.open("wb")
        stderr = self.log_file.open("ab")
        self._files = [stdout, stderr]
        command = [
            sys.executable, "-m", "wpokt_node.node.cli", "devnet", "pokt",
            "--port", str(self.port), "--genesis", str(genesis_file),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=os.environ.copy()
        )
        try:
            self._wait_ready(stdout_file)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, stdout_file: Path) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ChainError(
                    f"the Pocket simulator exited with code {self._process.returncode}; "
                    f"see {self.log_file}"
                )
            if not self.url:
                first_line = stdout_file.read_text(encoding="utf-8").split("\n", 1)
                if len(first_line) == 2 and first_line[0].startswith("http://"):
                    self.url = first_line[0].strip()
            if self.url:
                try:
                    if requests.get(self.url + READY_PATH, timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        raise ChainError(f"the Pocket simulator did not become ready; see {self.log_file}")

    def stop(self, grace_s: float = 10.0) -> None:
        process, self._process = self._process, None
        stop_child(process, grace_s)
        for handle in self._files:
            handle.close()
        self._files = []

    def __enter__(self) -> PoktSimProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
