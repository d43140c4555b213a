"""Load a node's keys from the sources named in its config: the public key alone (every
process may know it), or a signer (only the process that signs with it).

``SIGNERS_LOADED`` lists the purposes whose private key this process decrypted or whose KMS
signing handle it holds, so a process can show (and a test can check) that it holds nothing
it does not use."""

from __future__ import annotations

import os
from collections.abc import Mapping

from wpokt_node.config import KeySettings, KeySource
from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.keystore import load_keystore_signer, read_keystore
from wpokt_node.keys.kms import KmsSigner, kms_client, kms_public_key
from wpokt_node.keys.passwords import resolve_password
from wpokt_node.keys.signer import LocalKeySigner, Secp256k1Signer

SIGNERS_LOADED: list[str] = []


def load_public_key(
    key: KeySettings, *, purpose: str, node_id: str, environ: Mapping[str, str] | None = None
) -> bytes:
    """The compressed public key of ``keys.<purpose>``, without its password and without a
    signing handle: a keystore's header (bound to its ciphertext, so a swapped one cannot be
    decrypted by the signing process), KMS ``GetPublicKey``, or the devnet's raw key."""
    try:
        if key.source is KeySource.KEYSTORE:
            assert key.path is not None  # guaranteed by KeySettings validation
            keystore = read_keystore(key.path)
            if (keystore.node_id, keystore.purpose) != (node_id, purpose):
                raise KeyMaterialError(
                    f"keystore {key.path} is {keystore.node_id!r}'s {keystore.purpose} key, "
                    f"not {node_id!r}'s {purpose}"
                )
            return keystore.public_key
        if key.source is KeySource.KMS:
            assert key.kms_key_id is not None  # guaranteed by KeySettings validation
            return kms_public_key(key.kms_key_id, kms_client(key.kms_region))
        return _env_signer(key, os.environ if environ is None else environ).public_key
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"keys.{purpose}: {exc}") from None


def _env_signer(key: KeySettings, env: Mapping[str, str]) -> LocalKeySigner:
    assert key.env_var is not None  # guaranteed by KeySettings validation
    value = env.get(key.env_var)
    if not value:
        raise KeyMaterialError(f"environment variable {key.env_var} is not set or empty")
    return LocalKeySigner.from_hex(value)


def load_signer(
    key: KeySettings,
    *,
    purpose: str,
    node_id: str,
    environ: Mapping[str, str] | None = None,
) -> Secp256k1Signer:
    """The signer for one ``keys.<purpose>`` setting. Errors never contain key material.

    ``env`` keys are refused outside the devnet by the settings' own validation.
    """
    env = os.environ if environ is None else environ
    try:
        signer: Secp256k1Signer
        if key.source is KeySource.KEYSTORE:
            assert key.path is not None  # guaranteed by KeySettings validation
            password = resolve_password(
                password_file=key.password_file, password_env=key.password_env, environ=env
            )
            signer = load_keystore_signer(
                key.path, password=password, node_id=node_id, purpose=purpose
            )
        elif key.source is KeySource.KMS:
            assert key.kms_key_id is not None  # guaranteed by KeySettings validation
            signer = KmsSigner(key.kms_key_id, region=key.kms_region)
        else:
            signer = _env_signer(key, env)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"keys.{purpose}: {exc}") from None
    SIGNERS_LOADED.append(purpose)
    return signer
