"""Start the Copper simulator as a child process (``python -m wpokt_devnet.copper_sim``) and
stop it.

The child prints one JSON ready line once its servers listen; the launcher waits for that
line (no fixed sleeps), and stops the child by its pid: SIGTERM, then SIGKILL after a grace
period. Used by the devnet and the test fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from wpokt_devnet.processes import stop_child
from wpokt_node.errors import ChainError


class CopperSimProcess:
    def __init__(
        self, config_path: Path | str, log_dir: Path | str, *, startup_timeout_s: float = 20.0
    ) -> None:
        self.config_path = Path(config_path)
        self.log_dir = Path(log_dir)
        self.startup_timeout_s = startup_timeout_s
        self.platform_url = ""
        self.cuo_urls: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def log_file(self) -> Path:
        return self.log_dir / "copper-sim.log"

    @property
    def stdout_file(self) -> Path:
        return self.log_dir / "copper-sim.ready"

    def start(self) -> CopperSimProcess:
        if self._process is not None:
            raise ChainError("the Copper simulator is already running")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        stdout = self.stdout_file.open("wb")
        stderr = self.log_file.open("ab")
        self._files = [stdout, stderr]
        command = [
            sys.executable,
            "-m",
            "wpokt_devnet.copper_sim",
            "--config",
            str(self.config_path),
        ]
        self._process = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=os.environ.copy()
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _ready_line(self) -> dict[str, Any] | None:
        first, newline, _rest = self.stdout_file.read_text(encoding="utf-8").partition("\n")
        if not newline:
            return None
        try:
            line = json.loads(first)
        except json.JSONDecodeError:
            raise ChainError(f"the Copper simulator printed {first[:200]!r}") from None
        return line if isinstance(line, dict) and line.get("copper_sim") == "ready" else None

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ChainError(
                    f"the Copper simulator exited with code {self._process.returncode}; "
                    f"see {self.log_file}"
                )
            line = self._ready_line()
            if line is not None:
                self.platform_url = str(line["platform_url"])
                self.cuo_urls = {str(k): str(v) for k, v in dict(line["cuo_urls"]).items()}
                return
            time.sleep(0.05)
        raise ChainError(f"the Copper simulator did not become ready; see {self.log_file}")

    def stop(self, grace_s: float = 10.0) -> None:
        process, self._process = self._process, None
        stop_child(process, grace_s)
        for handle in self._files:
            handle.close()
        self._files = []

    def __enter__(self) -> CopperSimProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
