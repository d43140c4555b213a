"""The embedded MongoDB wire server for the devnet and tests: ``nx-27017`` (SQLite-backed).

Each instance has its own directory holding ``data/`` (one SQLite file per database),
``nx-27017.pid`` and ``nx-27017.log``. It binds 127.0.0.1 only and has no authentication.
The child is tied to its parent: on Linux it gets SIGTERM if the parent dies, and an ``atexit``
guard stops any instance still running when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from wpokt_node.errors import DatabaseError

_LAUNCH = "import sys; from nx_27017.nx_27017 import main; sys.exit(main())"
_PR_SET_PDEATHSIG = 1
_RUNNING: set[EmbeddedMongo] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def ping(uri: str, timeout_ms: int = 500) -> bool:
    client: MongoClient[dict[str, Any]] = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


class EmbeddedMongo:
    """One ``nx-27017`` process. ``start`` waits until it answers ``ping``."""

    def __init__(
        self, directory: str | Path, port: int | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.directory = Path(directory).resolve()
        self.port = port if port is not None else free_port()
        self.host = host  # where it listens; ``uri`` always reaches it over loopback
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def pid_file(self) -> Path:
        return self.directory / "nx-27017.pid"

    @property
    def log_file(self) -> Path:
        return self.directory / "nx-27017.log"

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 20.0) -> EmbeddedMongo:
        if self.is_running():
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._clear_stale_pid_file()
        if not _port_is_free(self.port):
            raise DatabaseError(f"port {self.port} on 127.0.0.1 is already in use")
        command = [
            sys.executable,
            "-c",
            _LAUNCH,
            "--data-dir",
            str(self.data_dir),
            "--host",
            self.host,
            "-p",
            str(self.port),
            "--pid-file",
            str(self.pid_file),
            "--log-file",
            str(self.log_file),
        ]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.directory,
            start_new_session=True,  # a terminal's Ctrl-C goes to us; we stop it ourselves
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
        _RUNNING.add(self)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                _RUNNING.discard(self)
                raise DatabaseError(
                    f"nx-27017 exited with code {code} at start (port {self.port} busy?); "
                    f"log: {self.log_file}\n{self._log_tail()}"
                )
            if ping(self.uri, timeout_ms=300) and self._process.poll() is None:
                return self
            time.sleep(0.1)
        self.stop()
        raise DatabaseError(
            f"nx-27017 did not answer ping on {self.uri} within {timeout_s:.0f} s; "
            f"log: {self.log_file}\n{self._log_tail()}"
        )

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``grace_s``; always reaps the process."""
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        finally:
            self._process = None
            _RUNNING.discard(self)

    def restart(self, timeout_s: float = 20.0) -> EmbeddedMongo:
        self.stop()
        return self.start(timeout_s=timeout_s)

    def wait(self) -> int:
        """Block until the server process exits; its exit code."""
        if self._process is None:
            return 0
        return self._process.wait()

    def _clear_stale_pid_file(self) -> None:
        """nx-27017 refuses to start if its pid file names a live process; ours never can."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            self.pid_file.unlink(missing_ok=True)
        except PermissionError:
            pass
        else:
            raise DatabaseError(
                f"{self.pid_file} names running process {pid}: is another server using "
                f"{self.directory}? Stop it first."
            )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> EmbeddedMongo:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop(grace_s=3.0)
