"""Owner-only files: atomic 0600 writes and reads that refuse group/world-accessible files."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from wpokt_node.errors import KeyMaterialError

MAX_PRIVATE_FILE_BYTES = 64 * 1024


def write_private_file(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600; refuse to overwrite unless ``force``.

    A temporary file is created beside the target with ``O_EXCL`` and mode 0600 from the start,
    fsynced, then linked (or, with ``force``, renamed) into place, and the directory fsynced.
    """
    path = Path(path)
    directory = path.parent
    if not directory.is_dir():
        raise KeyMaterialError(f"{path}: directory {directory} does not exist")
    if not force and (path.exists() or path.is_symlink()):
        raise KeyMaterialError(f"{path} already exists; refusing to overwrite (use --force)")
    temp = directory / f".{path.name}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeyMaterialError(
            f"{path}: cannot create a file in {directory} ({exc.strerror})"
        ) from None
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        _move_into_place(temp, path, force=force)
        _fsync_directory(directory)
    except OSError as exc:
        raise KeyMaterialError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _move_into_place(temp: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)  # fails if the target appeared meanwhile: never overwrites
    except FileExistsError:
        raise KeyMaterialError(
            f"{path} already exists; refusing to overwrite (use --force)"
        ) from None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_private_file(
    path: Path, *, what: str = "keystore", max_bytes: int = MAX_PRIVATE_FILE_BYTES
) -> bytes:
    """The bytes of a regular file owned by this process's user and accessible by nobody else
    (no group/other mode bits), at most ``max_bytes``."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise KeyMaterialError(f"{what} {path} not found") from None
    except OSError as exc:
        raise KeyMaterialError(f"{what} {path}: cannot open ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        _check_private(path, info, what)
        if info.st_size > max_bytes:
            raise KeyMaterialError(f"{what} {path} is larger than {max_bytes} B")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise KeyMaterialError(f"{what} {path}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise KeyMaterialError(f"{what} {path} is larger than {max_bytes} B")
    return data


def _check_private(path: Path, info: os.stat_result, what: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise KeyMaterialError(f"{what} {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise KeyMaterialError(
            f"{what} {path} is accessible by group or others (mode {mode:04o}); "
            f"restrict it with: chmod 600 {path}"
        )
    user = os.geteuid()
    if info.st_uid != user:
        raise KeyMaterialError(
            f"{what} {path} belongs to uid {info.st_uid}, not to this node's user (uid {user}); "
            f"give it to the node's user with: chown {user} {path}"
        )
