"""Load a node's signers from the key sources named in its config."""

from __future__ import annotations

import os
from collections.abc import Mapping

from wpokt_node.config import KeySettings, KeySource
from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.keystore import load_keystore_signer
from wpokt_node.keys.kms import KmsSigner
from wpokt_node.keys.passwords import resolve_password
from wpokt_node.keys.signer import LocalKeySigner, Secp256k1Signer


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
        if key.source is KeySource.KEYSTORE:
            assert key.path is not None  # guaranteed by KeySettings validation
            password = resolve_password(
                password_file=key.password_file, password_env=key.password_env, environ=env
            )
            return load_keystore_signer(
                key.path, password=password, node_id=node_id, purpose=purpose
            )
        if key.source is KeySource.KMS:
            assert key.kms_key_id is not None  # guaranteed by KeySettings validation
            return KmsSigner(key.kms_key_id, region=key.kms_region)
        assert key.env_var is not None  # guaranteed by KeySettings validation
        value = env.get(key.env_var)
        if not value:
            raise KeyMaterialError(f"environment variable {key.env_var} is not set or empty")
        return LocalKeySigner.from_hex(value)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"keys.{purpose}: {exc}") from None
