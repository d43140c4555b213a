"""``wpokt-node keys new|import|upgrade|address``: create, import, re-encrypt and inspect
keystore files."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from pathlib import Path
from typing import Any

from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.keystore import (
    CLI_PURPOSES,
    Keystore,
    create_keystore,
    read_keystore,
    upgrade_keystore,
)
from wpokt_node.keys.passwords import resolve_password
from wpokt_node.keys.signer import SECP256K1_N, eth_address_of, pokt_address_of
from wpokt_node.secret import Secret

# CLI purpose names -> the config names (keys.<name>) stored in the keystore.
PURPOSES = {cli: purpose for purpose, cli in CLI_PURPOSES.items()}
MAX_KEY_INPUT_CHARS = 1024


def register(subparsers: Any) -> None:
    keys = subparsers.add_parser("keys", help="create, import and inspect encrypted keystores")
    commands = keys.add_subparsers(dest="keys_command", metavar="SUBCOMMAND")

    new = commands.add_parser("new", help="generate a key and write it to a new keystore")
    _keystore_arguments(new)
    new.set_defaults(handler=_new)

    imported = commands.add_parser(
        "import", help="encrypt an existing raw hex key (read from a file or stdin, never argv)"
    )
    _keystore_arguments(imported)
    imported.add_argument(
        "--key-file",
        required=True,
        metavar="FILE",
        help="file holding the 32-byte key as hex ('-' reads standard input)",
    )
    imported.set_defaults(handler=_import)

    upgrade = commands.add_parser(
        "upgrade",
        help="re-encrypt a keystore with the default key-derivation parameters (same password)",
    )
    upgrade.add_argument("--keystore", required=True, type=Path, metavar="FILE")
    upgrade.add_argument("--purpose", required=True, choices=sorted(PURPOSES))
    upgrade.add_argument("--node-id", required=True, help="the node this key belongs to")
    source = upgrade.add_mutually_exclusive_group()
    source.add_argument("--password-file", type=Path, metavar="FILE")
    source.add_argument("--password-env", metavar="VAR", help="environment variable's name")
    upgrade.set_defaults(handler=_upgrade)

    address = commands.add_parser(
        "address", help="print a keystore's Ethereum and Pocket addresses (no password needed)"
    )
    address.add_argument("file", metavar="FILE", type=Path)
    address.set_defaults(handler=_address)


def _keystore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--purpose", required=True, choices=sorted(PURPOSES))
    parser.add_argument("--node-id", required=True, help="the node this key belongs to")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-file", type=Path, metavar="FILE")
    source.add_argument("--password-env", metavar="VAR", help="environment variable's name")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def _password(args: argparse.Namespace) -> Secret:
    return resolve_password(
        password_file=args.password_file,
        password_env=args.password_env,
        prompt=getpass.getpass,
        confirm=True,
    )


def _write(args: argparse.Namespace, private_key: bytearray, password: Secret) -> int:
    keystore = create_keystore(
        args.out,
        private_key,
        password=password,
        node_id=args.node_id,
        purpose=PURPOSES[args.purpose],
        force=args.force,
    )
    _print_keystore(args.out, keystore)
    return 0


def _new(args: argparse.Namespace) -> int:
    password = _password(args)
    key = bytearray(32)
    try:
        while True:
            key[:] = secrets.token_bytes(32)
            if 0 < int.from_bytes(key, "big") < SECP256K1_N:
                break
        return _write(args, key, password)
    finally:
        key[:] = bytes(32)


def _import(args: argparse.Namespace) -> int:
    from_stdin = args.key_file == "-"
    if from_stdin and args.password_file is None and args.password_env is None:
        raise KeyMaterialError(
            "the key comes from standard input: give --password-file or --password-env"
        )
    text = _read_key_text(args.key_file)
    cleaned = "".join(text.split()).removeprefix("0x")
    if len(cleaned) != 64:
        raise KeyMaterialError("the key must be 64 hex digits (32 bytes); value not shown")
    key = bytearray(32)
    try:
        try:
            key[:] = bytes.fromhex(cleaned)
        except ValueError:
            raise KeyMaterialError("the key is not valid hex; value not shown") from None
        password = _password(args)
        return _write(args, key, password)
    finally:
        key[:] = bytes(32)


def _read_key_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read(MAX_KEY_INPUT_CHARS)
    path = Path(source)
    try:
        with path.open("r", encoding="utf-8") as handle:
            return handle.read(MAX_KEY_INPUT_CHARS)
    except FileNotFoundError:
        raise KeyMaterialError(f"key file {path} not found") from None
    except (OSError, UnicodeDecodeError):
        raise KeyMaterialError(f"key file {path}: cannot read it as text") from None


def _upgrade(args: argparse.Namespace) -> int:
    password = resolve_password(
        password_file=args.password_file, password_env=args.password_env, prompt=getpass.getpass
    )
    keystore = upgrade_keystore(
        args.keystore, password=password, node_id=args.node_id, purpose=PURPOSES[args.purpose]
    )
    _print_keystore(args.keystore, keystore)
    kdf = keystore.kdf
    print(f"{'kdf:':<14}argon2id time_cost={kdf.time_cost} memory_kib={kdf.memory_kib}")
    return 0


def _address(args: argparse.Namespace) -> int:
    _print_keystore(args.file, read_keystore(args.file))
    return 0


def _print_keystore(path: Path, keystore: Keystore) -> None:
    lines = {
        "file": str(path),
        "node_id": keystore.node_id,
        "purpose": keystore.purpose,
        "eth_address": eth_address_of(keystore.public_key),
        "pokt_address": pokt_address_of(keystore.public_key),
        "public_key": keystore.public_key.hex(),
    }
    for name, value in lines.items():
        print(f"{name + ':':<14}{value}")
