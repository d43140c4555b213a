"""Keystore files: round trip, and every way a file can be wrong gives a clear error, no key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.unit.keys.conftest import FAST_KDF, KEY_HEX, NODE_ID, PASSWORD
from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys import keystore as keystore_module
from wpokt_node.keys.kdf import DEFAULT_KDF, MAX_MEMORY_KIB, KdfParams
from wpokt_node.keys.keystore import (
    create_keystore,
    load_keystore_signer,
    parse,
    read_keystore,
    unsealed,
    upgrade_keystore,
)
from wpokt_node.keys.signer import LocalKeySigner, verify_digest
from wpokt_node.secret import Secret

pytestmark = pytest.mark.security

DIGEST = bytes(range(32))
EXPECTED_PUBLIC_KEY = LocalKeySigner.from_hex(KEY_HEX).public_key


def load(path: Path, **overrides: Any) -> LocalKeySigner:
    arguments: dict[str, Any] = {"password": PASSWORD, "node_id": NODE_ID, "purpose": "eth_signer"}
    arguments.update(overrides)
    return load_keystore_signer(path, **arguments)


def edit(path: Path, change: Any) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def flip_hex(text: str, index: int = 0) -> str:
    digit = "1" if text[index] != "1" else "2"
    return text[:index] + digit + text[index + 1 :]


def test_round_trip_gives_the_same_key(keystore_path: Path) -> None:
    signer = load(keystore_path)
    assert signer.public_key == EXPECTED_PUBLIC_KEY
    signature = signer.sign_digest(DIGEST)
    assert verify_digest(EXPECTED_PUBLIC_KEY, DIGEST, signature.rs_bytes())


def test_file_is_owner_only_and_holds_no_plaintext(keystore_path: Path) -> None:
    assert stat.S_IMODE(keystore_path.stat().st_mode) == 0o600
    text = keystore_path.read_text()
    assert KEY_HEX not in text
    assert PASSWORD.reveal() not in text
    info = read_keystore(keystore_path)
    assert (info.node_id, info.purpose, info.public_key) == (
        NODE_ID,
        "eth_signer",
        EXPECTED_PUBLIC_KEY,
    )
    assert info.kdf == FAST_KDF
    assert not list(keystore_path.parent.glob(".*.tmp"))


def test_two_keystores_of_one_key_differ_in_salt_and_nonce(tmp_path: Path) -> None:
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in paths:
        create_keystore(
            path,
            bytearray.fromhex(KEY_HEX),
            password=PASSWORD,
            node_id=NODE_ID,
            purpose="eth_signer",
            kdf=FAST_KDF,
        )
    first, second = (read_keystore(p) for p in paths)
    assert first.salt != second.salt
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_wrong_password(keystore_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="wrong password, or the file was modified"):
        load(keystore_path, password=Secret("Correct horse battery staple"))


def test_wrong_node_id_is_named(keystore_path: Path) -> None:
    with pytest.raises(
        KeyMaterialError, match="belongs to node 'node-07', not to this node 'node-08'"
    ):
        load(keystore_path, node_id="node-08")


def test_node_id_edited_in_the_file_does_not_decrypt(keystore_path: Path) -> None:
    edit(keystore_path, lambda d: d.update(node_id="node-08"))
    with pytest.raises(KeyMaterialError, match="wrong password, or the file was modified"):
        load(keystore_path, node_id="node-08")


def test_wrong_purpose(keystore_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="holds the 'eth_signer' key"):
        load(keystore_path, purpose="eth_gas")
    edit(keystore_path, lambda d: d.update(purpose="eth_gas"))
    with pytest.raises(KeyMaterialError, match="wrong password, or the file was modified"):
        load(keystore_path, purpose="eth_gas")


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("cipher", "ciphertext"),
        ("cipher", "nonce"),
        ("kdf", "salt"),
        (None, "public_key"),
    ],
)
def test_flipped_hex_digit_is_detected(
    keystore_path: Path, section: str | None, field: str
) -> None:
    def change(document: dict[str, Any]) -> None:
        target = document if section is None else document[section]
        target[field] = flip_hex(target[field], 3)

    edit(keystore_path, change)
    with pytest.raises(KeyMaterialError):
        load(keystore_path)


def test_swapped_public_key_is_detected(keystore_path: Path) -> None:
    other = LocalKeySigner(bytes([7]) * 32).public_key.hex()
    edit(keystore_path, lambda d: d.update(public_key=other))
    with pytest.raises(KeyMaterialError, match="wrong password, or the file was modified"):
        load(keystore_path)


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_cost", 3), ("memory_kib", FAST_KDF.memory_kib + 1024), ("parallelism", 2)],
)
def test_edited_kdf_parameters_do_not_decrypt(keystore_path: Path, field: str, value: int) -> None:
    edit(keystore_path, lambda d: d["kdf"].update({field: value}))
    with pytest.raises(KeyMaterialError, match="wrong password, or the file was modified"):
        load(keystore_path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("memory_kib", 4 * 1024 * 1024 + 1, "memory_kib=4194305 is outside"),
        ("memory_kib", MAX_MEMORY_KIB + 1, "is outside the accepted range"),
        ("memory_kib", 4, "is outside the accepted range"),
        ("memory_kib", 1024, "is below the minimum"),
        ("time_cost", 1, "is below the minimum"),
        ("time_cost", 101, "time_cost=101 is outside"),
        ("time_cost", 0, "time_cost=0 is outside"),
        ("parallelism", 1000, "parallelism=1000 is outside"),
        ("time_cost", "3", "must be an integer"),
        ("time_cost", True, "must be an integer"),
    ],
)
def test_absurd_kdf_parameters_are_refused_before_any_work(
    keystore_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, value: object, message: str
) -> None:
    def no_kdf(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("Argon2 must not run on a refused file")

    monkeypatch.setattr("wpokt_node.keys.kdf.hash_secret_raw", no_kdf)
    edit(keystore_path, lambda d: d["kdf"].update({field: value}))
    with pytest.raises(KeyMaterialError, match=message):
        load(keystore_path)


def test_writing_below_the_floor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="memory_kib"):
        create_keystore(
            tmp_path / "k.json",
            bytearray.fromhex(KEY_HEX),
            password=PASSWORD,
            node_id=NODE_ID,
            purpose="eth_signer",
            kdf=KdfParams(time_cost=1, memory_kib=64, parallelism=1),
        )
    assert not list(tmp_path.iterdir())


def test_default_parameters_are_within_bounds() -> None:
    DEFAULT_KDF.check()
    assert DEFAULT_KDF.memory_kib >= 64 * 1024
    assert DEFAULT_KDF.time_cost >= 3


@pytest.mark.parametrize("keep", [0, 1, 50, 200, -2])
def test_truncated_file(keystore_path: Path, keep: int) -> None:
    data = keystore_path.read_bytes()
    keystore_path.write_bytes(data[:keep] if keep >= 0 else data[: len(data) + keep - 5])
    with pytest.raises(KeyMaterialError, match="malformed or truncated"):
        load(keystore_path)


def test_shortened_ciphertext(keystore_path: Path) -> None:
    edit(keystore_path, lambda d: d["cipher"].update(ciphertext=d["cipher"]["ciphertext"][:-2]))
    with pytest.raises(KeyMaterialError, match="ciphertext must have 48 bytes"):
        load(keystore_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(magic="other"), "not a wpokt-node keystore"),
        (lambda d: d.update(version=2), "unsupported keystore version 2"),
        (lambda d: d.update(extra=1), "unknown extra"),
        (lambda d: d.pop("public_key"), "missing public_key"),
        (lambda d: d["kdf"].update(algorithm="scrypt"), "unsupported key derivation"),
        (lambda d: d["cipher"].update(algorithm="aes-128-gcm"), "unsupported cipher"),
        (lambda d: d["cipher"].update(nonce="zz" * 12), "not valid hex"),
        (lambda d: d.update(node_id="Node 1"), "node id must be"),
    ],
)
def test_structural_edits_are_named(keystore_path: Path, change: Any, message: str) -> None:
    edit(keystore_path, change)
    with pytest.raises(KeyMaterialError, match=message):
        load(keystore_path)


def test_every_single_byte_flip_is_rejected(keystore_path: Path) -> None:
    original = keystore_path.read_bytes()
    for index in range(len(original)):
        corrupted = bytearray(original)
        corrupted[index] ^= 0x01
        keystore = None
        try:
            keystore = parse(bytes(corrupted))
            with unsealed(keystore, password=PASSWORD, node_id=NODE_ID, purpose="eth_signer"):
                pass
        except KeyMaterialError:
            continue
        pytest.fail(f"flipping byte {index} of the keystore went unnoticed")


def test_no_partial_key_is_returned_and_buffers_are_wiped(keystore_path: Path) -> None:
    keystore = read_keystore(keystore_path)
    with unsealed(keystore, password=PASSWORD, node_id=NODE_ID, purpose="eth_signer") as key:
        assert key == bytearray.fromhex(KEY_HEX)
        held = key
    assert held == bytearray(32)


def test_key_is_wiped_when_the_caller_fails(keystore_path: Path) -> None:
    keystore = read_keystore(keystore_path)
    held: list[bytearray] = []

    def use_key_and_fail() -> None:
        with unsealed(keystore, password=PASSWORD, node_id=NODE_ID, purpose="eth_signer") as key:
            held.append(key)
            raise RuntimeError("caller failed")

    with pytest.raises(RuntimeError, match="caller failed"):
        use_key_and_fail()
    assert held == [bytearray(32)]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o610, 0o601])
def test_group_or_world_accessible_file_is_refused(keystore_path: Path, mode: int) -> None:
    keystore_path.chmod(mode)
    with pytest.raises(KeyMaterialError, match=f"chmod 600 {keystore_path}"):
        load(keystore_path)
    with pytest.raises(KeyMaterialError, match="accessible by group or others"):
        read_keystore(keystore_path)


def test_owner_read_only_mode_is_fine(keystore_path: Path) -> None:
    keystore_path.chmod(0o400)
    assert load(keystore_path).public_key == EXPECTED_PUBLIC_KEY


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="not found"):
        load(tmp_path / "absent.json")
    with pytest.raises(KeyMaterialError, match="not a regular file"):
        load(tmp_path)


def test_overwrite_is_refused_without_force(keystore_path: Path) -> None:
    before = keystore_path.read_bytes()
    other_key = bytearray(bytes([9]) * 32)
    arguments: dict[str, Any] = {
        "password": PASSWORD,
        "node_id": NODE_ID,
        "purpose": "eth_signer",
        "kdf": FAST_KDF,
    }
    with pytest.raises(KeyMaterialError, match="already exists"):
        create_keystore(keystore_path, other_key, **arguments)
    assert keystore_path.read_bytes() == before
    create_keystore(keystore_path, other_key, force=True, **arguments)
    assert load(keystore_path).public_key == LocalKeySigner(bytes(other_key)).public_key
    assert stat.S_IMODE(keystore_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in keystore_path.parent.iterdir()) == [keystore_path.name]


def test_umask_does_not_widen_the_mode(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        create_keystore(
            tmp_path / "k.json",
            bytearray.fromhex(KEY_HEX),
            password=PASSWORD,
            node_id=NODE_ID,
            purpose="pokt_signer",
            kdf=FAST_KDF,
        )
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.json").stat().st_mode) == 0o600


def test_invalid_private_keys_are_refused(tmp_path: Path) -> None:
    for bad in (bytearray(32), bytearray(b"\xff" * 32), bytearray(31)):
        with pytest.raises(KeyMaterialError):
            create_keystore(
                tmp_path / "k.json",
                bad,
                password=PASSWORD,
                node_id=NODE_ID,
                purpose="eth_signer",
                kdf=FAST_KDF,
            )
    assert not list(tmp_path.iterdir())


def test_errors_and_reprs_never_show_secrets(keystore_path: Path) -> None:
    with pytest.raises(KeyMaterialError) as caught:
        load(keystore_path, password=Secret("wrong-password-123"))
    assert "wrong-password-123" not in str(caught.value)
    assert "wrong-password-123" not in repr(caught.value)
    keystore = read_keystore(keystore_path)
    assert keystore.ciphertext.hex() not in repr(keystore)
    signer = load(keystore_path)
    assert KEY_HEX not in repr(signer)
    assert PASSWORD.reveal() not in repr(PASSWORD) + str(PASSWORD) + f"{PASSWORD}"
    assert keystore_module.MAGIC in keystore_path.read_text()


def _weak_keystore(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A keystore written elsewhere with one pass over 8 MiB (validly encrypted)."""
    with monkeypatch.context() as patched:
        patched.setattr(KdfParams, "floor_problem", lambda _self: None)
        create_keystore(
            path,
            bytearray.fromhex(KEY_HEX),
            password=PASSWORD,
            node_id=NODE_ID,
            purpose="eth_signer",
            kdf=KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1),
        )


def test_a_weak_keystore_is_refused_until_keys_upgrade_re_encrypts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "eth_signer.json"
    _weak_keystore(path, monkeypatch)
    with pytest.raises(KeyMaterialError) as refused:
        load(path)
    assert "time_cost=1, memory_kib=8192 is below the minimum" in str(refused.value)
    assert "wpokt-node keys upgrade --keystore FILE --node-id node-07 --purpose eth-signer" in (
        str(refused.value)
    )
    upgraded = upgrade_keystore(path, password=PASSWORD, node_id=NODE_ID, purpose="eth_signer")
    assert upgraded.kdf == DEFAULT_KDF
    assert load(path).public_key == read_keystore(path).public_key == upgraded.public_key
    with pytest.raises(KeyMaterialError, match="wrong password"):
        upgrade_keystore(path, password=Secret("wrong"), node_id=NODE_ID, purpose="eth_signer")
