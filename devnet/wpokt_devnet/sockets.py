"""Find listening sockets owned by a process tree (Linux /proc), to prove "no inbound ports"."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TCP_LISTEN = "0A"
_UDP_UNCONNECTED = "07"


@dataclass(frozen=True, slots=True)
class ListeningSocket:
    pid: int
    protocol: str
    local_address: str


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """``pid`` and all its living descendants."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: parse after the last ')'
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found = [pid]
    index = 0
    while index < len(found):
        found.extend(children.get(found[index], []))
        index += 1
    return found


def _socket_inodes(pid: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    fd_dir = proc / str(pid) / "fd"
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(fd_dir / name)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _listening_table(proc: Path) -> dict[str, tuple[str, str]]:
    """inode -> (protocol, local address) for every listening TCP / bound UDP socket."""
    table: dict[str, tuple[str, str]] = {}
    for protocol in ("tcp", "tcp6", "udp", "udp6"):
        path = proc / "net" / protocol
        try:
            lines = path.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if (protocol.startswith("tcp") and state == _TCP_LISTEN) or (
                protocol.startswith("udp") and state == _UDP_UNCONNECTED
            ):
                table[inode] = (protocol, local)
    return table


def listening_sockets(pid: int, proc: Path = Path("/proc")) -> list[ListeningSocket]:
    """Every listening TCP socket and bound UDP socket held by ``pid`` or its descendants."""
    table = _listening_table(proc)
    found: list[ListeningSocket] = []
    for member in descendants(pid, proc):
        for inode in sorted(_socket_inodes(member, proc)):
            if inode in table:
                protocol, local = table[inode]
                found.append(ListeningSocket(member, protocol, local))
    return found
