"""Run a local ``anvil`` (npm package ``@foundry-rs/anvil``) on a free loopback port."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from wpokt_node.errors import ChainError, WpoktError

ANVIL_BIN_ENV = "WPOKT_ANVIL_BIN"
# anvil's well-known development mnemonic ("test test ... junk"): account i's key, for devnets.
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
)


class AnvilError(WpoktError):
    """anvil is missing or did not start."""


def _platform_package() -> str:
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "?")
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"@foundry-rs/anvil-{system}-{arch}"


def _search_roots() -> list[Path]:
    roots = [Path.cwd(), Path(__file__).resolve().parents[2]]
    return list(dict.fromkeys(roots))


def find_anvil() -> Path:
    """The anvil binary: ``$WPOKT_ANVIL_BIN``, else the npm platform package, else the npm shim."""
    override = os.environ.get(ANVIL_BIN_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise AnvilError(f"{ANVIL_BIN_ENV}={override} is not a file")
        return path
    exe = "anvil.exe" if platform.system() == "Windows" else "anvil"
    for root in _search_roots():
        direct = root / "node_modules" / _platform_package() / "bin" / exe
        if direct.is_file():
            return direct
        shim = root / "node_modules" / ".bin" / "anvil"
        if shim.is_file():
            return shim
    raise AnvilError(
        "anvil not found (npm package @foundry-rs/anvil); run `make setup` in the project root"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class AnvilOptions:
    chain_id: int = 31337
    block_time_s: float | None = None  # None: mine a block per transaction (instant)
    accounts: int = 10
    balance_eth: int = 10_000
    port: int | None = None
    # The contracts target the cancun EVM; anvil 1.7's default (later) hardforks also make
    # mining cost grow with chain length, which makes long test chains slow.
    hardfork: str = "cancun"
    prune_history: int | None = 512  # keep this many historical states in memory; None: all
    startup_timeout_s: float = 30.0
    extra_args: tuple[str, ...] = ()


class Anvil:
    """A started anvil process; ``stop()`` (or the context manager) ends it by its pid."""

    def __init__(self, options: AnvilOptions | None = None, log_dir: Path | None = None) -> None:
        self.options = options or AnvilOptions()
        self._log_dir = log_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self, port: int) -> list[str]:
        opts = self.options
        args = [
            str(find_anvil()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--chain-id",
            str(opts.chain_id),
            "--accounts",
            str(opts.accounts),
            "--balance",
            str(opts.balance_eth),
            "--silent",
        ]
        args += ["--hardfork", opts.hardfork]
        if opts.prune_history is not None:
            args += ["--prune-history", str(opts.prune_history)]
        if opts.block_time_s is not None:
            args += ["--block-time", str(opts.block_time_s)]
        return args + list(opts.extra_args)

    def start(self) -> Anvil:
        if self._process is not None:
            raise AnvilError("anvil is already running")
        attempts = 1 if self.options.port is not None else 3
        last_error = ""
        for _ in range(attempts):
            port = self.options.port or free_port()
            log_dir = self._log_dir or Path(tempfile.mkdtemp(prefix="wpokt-anvil-"))
            log_dir.mkdir(parents=True, exist_ok=True)
            self._log_path = log_dir / f"anvil-{port}.log"
            with self._log_path.open("wb") as log_file:
                self._process = subprocess.Popen(
                    self.command(port),
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            self.port = port
            try:
                self._wait_ready()
                return self
            except AnvilError as exc:
                last_error = str(exc)
                self.stop()
        raise AnvilError(f"anvil did not start: {last_error}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.options.startup_timeout_s
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise AnvilError(
                    f"anvil exited with code {self._process.returncode}: {self._log()}"
                )
            try:
                if int(self.rpc("eth_chainId"), 16) == self.options.chain_id:
                    return
            except (requests.RequestException, ChainError):
                pass
            time.sleep(0.05)
        raise AnvilError(f"anvil not ready after {self.options.startup_timeout_s}s")

    def _log(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")[-2000:]

    def rpc(self, method: str, *params: Any) -> Any:
        response = requests.post(
            self.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
            timeout=30,
        )
        body = response.json()
        if "error" in body:
            raise ChainError(f"anvil {method} failed: {body['error']}")
        return body.get("result")

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot_id: str) -> None:
        if self.rpc("evm_revert", snapshot_id) is not True:
            raise ChainError(f"anvil could not revert to snapshot {snapshot_id}")

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def __enter__(self) -> Anvil:
        return self.start() if self._process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
