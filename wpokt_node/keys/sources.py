"""Load a node's signers from the key sources named in its config."""

from __future__ import annotations

import os
from collections.abc import Mapping

from wpokt_node.config import KeySettings, KeySource
from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.signer import LocalKeySigner, Secp256k1Signer


def load_signer(
    key: KeySettings, *, purpose: str, environ: Mapping[str, str] | None = None
) -> Secp256k1Signer:
    """The signer for one ``keys.<purpose>`` setting. Errors never contain key material."""
    env = os.environ if environ is None else environ
    if key.source is KeySource.ENV:
        assert key.env_var is not None  # guaranteed by KeySettings validation
        value = env.get(key.env_var)
        if not value:
            raise KeyMaterialError(
                f"keys.{purpose}: environment variable {key.env_var} is not set or empty"
            )
        try:
            return LocalKeySigner.from_hex(value)
        except KeyMaterialError as exc:
            raise KeyMaterialError(f"keys.{purpose}: {exc}") from None
    raise KeyMaterialError(
        f"keys.{purpose}: key source '{key.source.value}' is not available in this build "
        f"(supported: env)"
    )
