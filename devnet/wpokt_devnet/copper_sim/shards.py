"""Password-encrypted shard files (what a node mounts into its CUO) and deterministic devnet
credentials.

Copper documents that CUO reads "exported, password-encrypted shards" from ``/app/keys/``
(Copper Unlimited Online guides); their format is not public. Assumption (docs/copper.md):
a JSON file ``{shardId, salt, iterations, ciphertext, check}`` where ``ciphertext`` is the
32-byte shard secret XOR PBKDF2-HMAC-SHA256(password, salt, iterations) and ``check`` the
first 16 hex digits of sha256(secret), which tells a wrong password apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from wpokt_node.errors import KeyMaterialError

ITERATIONS = 20_000
SECRET_BYTES = 32


class ShardFileError(KeyMaterialError):
    """A shard file is missing, malformed, or the password is wrong (never shows the secret)."""


def _pad(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, SECRET_BYTES)


def _check(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()[:16]


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def write_shard_file(path: Path | str, shard_id: str, secret: bytes, password: str) -> Path:
    """Encrypt ``secret`` under ``password`` into ``path`` (mode 0600); returns the path."""
    if len(secret) != SECRET_BYTES:
        raise ShardFileError(f"a shard secret has {SECRET_BYTES} bytes")
    salt = secrets.token_bytes(8)
    document = {
        "shardId": shard_id,
        "salt": salt.hex(),
        "iterations": ITERATIONS,
        "ciphertext": _xor(secret, _pad(password, salt, ITERATIONS)).hex(),
        "check": _check(secret),
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    return target


def read_shard_file(path: Path | str, password: str) -> tuple[str, bytes]:
    """(shard id, secret) of a shard file; ShardFileError if missing, malformed or the
    password is wrong."""
    source = Path(path)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
        shard_id = str(document["shardId"])
        salt = bytes.fromhex(document["salt"])
        iterations = int(document["iterations"])
        ciphertext = bytes.fromhex(document["ciphertext"])
        check = str(document["check"])
    except FileNotFoundError:
        raise ShardFileError(f"key file {source.name} not found") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ShardFileError(
            f"key file {source.name} is malformed ({type(exc).__name__})"
        ) from None
    if len(ciphertext) != SECRET_BYTES or not 1 <= iterations <= 10_000_000:
        raise ShardFileError(f"key file {source.name} is malformed")
    secret = _xor(ciphertext, _pad(password, salt, iterations))
    if _check(secret) != check:
        raise ShardFileError(f"wrong password for key file {source.name}")
    return shard_id, secret


def _derive(seed: str, *parts: str) -> bytes:
    return hashlib.sha256("\x00".join(("wpokt copper sim", seed, *parts)).encode()).digest()


def new_copper_credentials(
    node_ids: list[str], seed: str
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, bytes, str]]]:
    """Deterministic devnet credentials from ``seed``: per node an API key and secret
    ``{node_id: (key, secret)}``, and a shard ``{node_id: (shard_id, secret, password)}``."""
    api_keys: dict[str, tuple[str, str]] = {}
    shards: dict[str, tuple[str, bytes, str]] = {}
    for node_id in node_ids:
        key = f"ak-{node_id}-{_derive(seed, node_id, 'api key').hex()[:12]}"
        api_keys[node_id] = (key, _derive(seed, node_id, "api secret").hex())
        shard_id = f"shard-{node_id}-{_derive(seed, node_id, 'shard id').hex()[:8]}"
        password = _derive(seed, node_id, "shard password").hex()[:24]
        shards[node_id] = (shard_id, _derive(seed, node_id, "shard secret"), password)
    return api_keys, shards


def shard_file_name(shard_id: str) -> str:
    """The file name a shard is written under (what a node passes CUO as ``keyFilename``)."""
    return f"{shard_id}.json"


def write_node_shards(
    root: Path | str, shards: dict[str, tuple[str, bytes, str]]
) -> dict[str, Path]:
    """Write each node's shard to ``root/<node_id>/<shard_id>.json``; returns each node's keys
    directory (what its CUO mounts)."""
    directories: dict[str, Path] = {}
    for node_id, (shard_id, secret, password) in shards.items():
        directory = Path(root) / node_id
        write_shard_file(directory / shard_file_name(shard_id), shard_id, secret, password)
        directories[node_id] = directory
    return directories
