"""Encrypted keystore files: one secp256k1 key per file, Argon2id + AES-256-GCM.

The file is one JSON object (see docs/keys.md)::

    {"magic": "wpokt-node-keystore", "version": 1, "node_id": "...", "purpose": "eth_signer",
     "public_key": "<33-byte compressed key, hex>",
     "kdf": {"algorithm": "argon2id", "time_cost": 3, "memory_kib": 65536, "parallelism": 1,
             "salt": "<hex>"},
     "cipher": {"algorithm": "aes-256-gcm", "nonce": "<12 bytes hex>",
                "ciphertext": "<32-byte key + 16-byte tag, hex>"}}

The AEAD associated data binds everything but the nonce and ciphertext: the version, the node
id and purpose the *loader expects* (not the ones in the file), the public key and the KDF
parameters with the salt. A keystore copied to another node, loaded for another purpose, or
with a swapped public key therefore fails to decrypt. The plaintext key only ever lives in a
``bytearray`` that is zeroed when the caller's ``with`` block ends; Python may still have made
copies elsewhere (the derived AES key, coincurve's own key object), which nobody can wipe.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import coincurve
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wpokt_node.config.types import NODE_ID_PATTERN
from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.kdf import DEFAULT_KDF, SALT_LENGTH, KdfParams, derive_key
from wpokt_node.keys.private_file import read_private_file, write_private_file
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.secret import Secret

MAGIC = "wpokt-node-keystore"
VERSION = 1
KDF_ALGORITHM = "argon2id"
CIPHER_ALGORITHM = "aes-256-gcm"
KEY_PURPOSES = ("eth_signer", "pokt_signer", "eth_gas")
CLI_PURPOSES = {"eth_signer": "eth-signer", "pokt_signer": "pokt", "eth_gas": "eth-gas"}
PRIVATE_KEY_LENGTH = 32
NONCE_LENGTH = 12
TAG_LENGTH = 16

_TOP_FIELDS = {"magic", "version", "node_id", "purpose", "public_key", "kdf", "cipher"}
_KDF_FIELDS = {"algorithm", "time_cost", "memory_kib", "parallelism", "salt"}
_CIPHER_FIELDS = {"algorithm", "nonce", "ciphertext"}


@dataclass(frozen=True, slots=True)
class Keystore:
    """A parsed keystore file. Nothing here is secret; the key stays encrypted."""

    node_id: str
    purpose: str
    public_key: bytes
    kdf: KdfParams
    salt: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)
    version: int = VERSION


def _check_identity(node_id: str, purpose: str) -> None:
    if not isinstance(node_id, str) or not NODE_ID_PATTERN.fullmatch(node_id):
        raise KeyMaterialError("node id must be 1-63 chars of a-z, 0-9, '-', '_' (lower case)")
    if purpose not in KEY_PURPOSES:
        raise KeyMaterialError(f"key purpose must be one of {', '.join(KEY_PURPOSES)}")


def _associated_data(
    *, node_id: str, purpose: str, public_key: bytes, kdf: KdfParams, salt: bytes
) -> bytes:
    header = {
        "magic": MAGIC,
        "version": VERSION,
        "node_id": node_id,
        "purpose": purpose,
        "public_key": public_key.hex(),
        "kdf": {
            "algorithm": KDF_ALGORITHM,
            "time_cost": kdf.time_cost,
            "memory_kib": kdf.memory_kib,
            "parallelism": kdf.parallelism,
            "salt": salt.hex(),
        },
    }
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def _public_key_of(private_key: bytearray) -> bytes:
    if len(private_key) != PRIVATE_KEY_LENGTH:
        raise KeyMaterialError(f"a secp256k1 private key has {PRIVATE_KEY_LENGTH} bytes")
    try:
        key = coincurve.PrivateKey(bytes(private_key))
    except Exception:
        raise KeyMaterialError("not a valid secp256k1 private key (value not shown)") from None
    return bytes(key.public_key.format(compressed=True))


def seal(
    private_key: bytearray,
    *,
    password: Secret,
    node_id: str,
    purpose: str,
    kdf: KdfParams = DEFAULT_KDF,
) -> bytes:
    """The keystore file bytes for ``private_key`` (which the caller still owns and wipes)."""
    _check_identity(node_id, purpose)
    kdf.check()
    weak = kdf.floor_problem()
    if weak is not None:
        raise KeyMaterialError(f"refusing to write a keystore with {weak}")
    public_key = _public_key_of(private_key)
    salt = secrets.token_bytes(SALT_LENGTH)
    nonce = secrets.token_bytes(NONCE_LENGTH)
    aes_key = derive_key(password, salt, kdf)
    encryptor = Cipher(algorithms.AES(aes_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(
        _associated_data(
            node_id=node_id, purpose=purpose, public_key=public_key, kdf=kdf, salt=salt
        )
    )
    ciphertext = encryptor.update(private_key) + encryptor.finalize() + encryptor.tag
    document = {
        "magic": MAGIC,
        "version": VERSION,
        "node_id": node_id,
        "purpose": purpose,
        "public_key": public_key.hex(),
        "kdf": {
            "algorithm": KDF_ALGORITHM,
            "time_cost": kdf.time_cost,
            "memory_kib": kdf.memory_kib,
            "parallelism": kdf.parallelism,
            "salt": salt.hex(),
        },
        "cipher": {
            "algorithm": CIPHER_ALGORITHM,
            "nonce": nonce.hex(),
            "ciphertext": ciphertext.hex(),
        },
    }
    return (json.dumps(document, indent=2) + "\n").encode("ascii")


def _fields(value: object, expected: set[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise KeyMaterialError(f"{where} is not a JSON object")
    keys = set(value)
    if keys != expected:
        problems = []
        if expected - keys:
            problems.append(f"missing {', '.join(sorted(expected - keys))}")
        if keys - expected:
            problems.append(f"unknown {', '.join(sorted(keys - expected))}")
        raise KeyMaterialError(f"{where}: {'; '.join(problems)}")
    return value


def _hex_field(value: object, name: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise KeyMaterialError(f"{name} must be a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise KeyMaterialError(f"{name} is not valid hex") from None
    if length is not None and len(raw) != length:
        raise KeyMaterialError(f"{name} must have {length} bytes, got {len(raw)}")
    return raw


def _int_field(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise KeyMaterialError(f"{name} must be an integer")
    return value


def parse(data: bytes) -> Keystore:
    """Parse and validate a keystore file's bytes (no password needed, nothing decrypted)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyMaterialError("not a keystore file (malformed or truncated JSON)") from None
    if not isinstance(document, dict) or document.get("magic") != MAGIC:
        raise KeyMaterialError("not a wpokt-node keystore file (magic missing or wrong)")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise KeyMaterialError(f"unsupported keystore version {version!r} (this build reads 1)")
    top = _fields(document, _TOP_FIELDS, "keystore")
    kdf_doc = _fields(top["kdf"], _KDF_FIELDS, "keystore kdf")
    cipher_doc = _fields(top["cipher"], _CIPHER_FIELDS, "keystore cipher")
    if kdf_doc["algorithm"] != KDF_ALGORITHM:
        raise KeyMaterialError(f"unsupported key derivation {kdf_doc['algorithm']!r}")
    if cipher_doc["algorithm"] != CIPHER_ALGORITHM:
        raise KeyMaterialError(f"unsupported cipher {cipher_doc['algorithm']!r}")
    node_id, purpose = top["node_id"], top["purpose"]
    _check_identity(node_id, purpose)
    public_key = _hex_field(top["public_key"], "public_key", 33)
    try:
        coincurve.PublicKey(public_key)
    except Exception:
        raise KeyMaterialError("public_key is not a valid secp256k1 point") from None
    kdf = KdfParams(
        time_cost=_int_field(kdf_doc["time_cost"], "kdf.time_cost"),
        memory_kib=_int_field(kdf_doc["memory_kib"], "kdf.memory_kib"),
        parallelism=_int_field(kdf_doc["parallelism"], "kdf.parallelism"),
    )
    kdf.check()
    return Keystore(
        node_id=node_id,
        purpose=purpose,
        public_key=public_key,
        kdf=kdf,
        salt=_hex_field(kdf_doc["salt"], "kdf.salt"),
        nonce=_hex_field(cipher_doc["nonce"], "cipher.nonce", NONCE_LENGTH),
        ciphertext=_hex_field(
            cipher_doc["ciphertext"], "cipher.ciphertext", PRIVATE_KEY_LENGTH + TAG_LENGTH
        ),
    )


@contextmanager
def unsealed(
    keystore: Keystore, *, password: Secret, node_id: str, purpose: str, upgrading: bool = False
) -> Iterator[bytearray]:
    """The decrypted 32-byte key in a ``bytearray`` that is zeroed when the block ends.

    Raises KeyMaterialError (never a partial key) for another node's or purpose's keystore, a
    wrong password, any modification of the file, or parameters below the floor (unless
    ``upgrading``: ``keys upgrade`` re-encrypts such a file).
    """
    _check_identity(node_id, purpose)
    weak = keystore.kdf.floor_problem()
    if weak is not None and not upgrading:
        raise KeyMaterialError(
            f"{weak}: re-encrypt this file with `wpokt-node keys upgrade --keystore FILE "
            f"--node-id {node_id} --purpose {CLI_PURPOSES[purpose]}` (same password, the "
            "default parameters)"
        )
    if keystore.node_id != node_id:
        raise KeyMaterialError(
            f"keystore belongs to node '{keystore.node_id}', not to this node '{node_id}'"
        )
    if keystore.purpose != purpose:
        raise KeyMaterialError(
            f"keystore holds the '{keystore.purpose}' key, but the '{purpose}' key was asked for"
        )
    aes_key = derive_key(password, keystore.salt, keystore.kdf)
    body = keystore.ciphertext[:-TAG_LENGTH]
    tag = keystore.ciphertext[-TAG_LENGTH:]
    decryptor = Cipher(algorithms.AES(aes_key), modes.GCM(keystore.nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(
        _associated_data(
            node_id=node_id,
            purpose=purpose,
            public_key=keystore.public_key,
            kdf=keystore.kdf,
            salt=keystore.salt,
        )
    )
    # GCM needs no padding room today, but older `cryptography` asks for a block of slack.
    scratch = bytearray(len(body) + 15)
    key = bytearray(PRIVATE_KEY_LENGTH)
    try:
        written = decryptor.update_into(body, scratch)
        try:
            decryptor.finalize()
        except InvalidTag:
            raise KeyMaterialError(
                "cannot decrypt the keystore: wrong password, or the file was modified"
            ) from None
        if written != PRIVATE_KEY_LENGTH:
            raise KeyMaterialError("keystore decrypted to a key of the wrong length")
        key[:] = memoryview(scratch)[:PRIVATE_KEY_LENGTH]
        _wipe(scratch)
        if _public_key_of(key) != keystore.public_key:
            raise KeyMaterialError("keystore public key does not match its private key")
        yield key
    finally:
        _wipe(scratch)
        _wipe(key)


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def create_keystore(
    path: Path,
    private_key: bytearray,
    *,
    password: Secret,
    node_id: str,
    purpose: str,
    kdf: KdfParams = DEFAULT_KDF,
    force: bool = False,
) -> Keystore:
    """Encrypt ``private_key`` into a new 0600 file at ``path`` (atomic; no overwrite unless
    ``force``). ``kdf`` below the default is for tests; it must still meet the floor."""
    data = seal(private_key, password=password, node_id=node_id, purpose=purpose, kdf=kdf)
    write_private_file(Path(path), data, force=force)
    return parse(data)


def read_keystore(path: Path) -> Keystore:
    """Parse the keystore at ``path`` (refused if group/world accessible)."""
    data = read_private_file(Path(path))
    try:
        return parse(data)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"keystore {path}: {exc}") from None


def load_keystore_signer(
    path: Path, *, password: Secret, node_id: str, purpose: str
) -> LocalKeySigner:
    """Decrypt the keystore at ``path`` into a signer; every failure is a KeyMaterialError."""
    keystore = read_keystore(path)
    try:
        with unsealed(keystore, password=password, node_id=node_id, purpose=purpose) as key:
            return LocalKeySigner(key)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"keystore {path}: {exc}") from None


def upgrade_keystore(path: Path, *, password: Secret, node_id: str, purpose: str) -> Keystore:
    """Re-encrypt the keystore at ``path`` with the default parameters and the same password
    (atomic replace); the key and its public key stay the same."""
    keystore = read_keystore(path)
    try:
        with unsealed(
            keystore, password=password, node_id=node_id, purpose=purpose, upgrading=True
        ) as key:
            data = seal(key, password=password, node_id=node_id, purpose=purpose)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"keystore {path}: {exc}") from None
    write_private_file(Path(path), data, force=True)
    return parse(data)
