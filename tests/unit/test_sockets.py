"""The listening-socket finder sees a real listener in a child process, and nothing otherwise."""

from __future__ import annotations

import subprocess
import sys
import time

from wpokt_devnet.sockets import descendants, listening_sockets

LISTENER = (
    "import socket, subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', "
    '\'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); '
    "print(s.getsockname()[1], flush=True); time.sleep(60)'])\n"
    "time.sleep(60)\n"
)
CLIENT_ONLY = (
    "import socket, time\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "time.sleep(60)\n"
)


def wait_for_sockets(pid: int, timeout: float = 10.0) -> list[object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = listening_sockets(pid)
        if found:
            return list(found)
        time.sleep(0.1)
    return []


def test_a_listener_in_a_grandchild_is_found() -> None:
    proc = subprocess.Popen([sys.executable, "-c", LISTENER])
    try:
        found = wait_for_sockets(proc.pid)
        assert len(found) == 1
        assert len(descendants(proc.pid)) == 2
    finally:
        for pid in reversed(descendants(proc.pid)):
            subprocess.run(["kill", "-9", str(pid)], check=False)
        proc.wait()


def test_a_process_without_listeners_has_none() -> None:
    proc = subprocess.Popen([sys.executable, "-c", CLIENT_ONLY])
    try:
        time.sleep(0.5)
        assert listening_sockets(proc.pid) == []
    finally:
        proc.kill()
        proc.wait()
