"""Argon2id key derivation for keystore files: the parameters, their limits, the derivation.

The parameters travel inside each keystore file, so the loader checks them against fixed
bounds first: a crafted file must not make the node allocate gigabytes or spin for minutes,
and a file written with toy parameters (as the tests use) must not be accepted in production
by accident of a low floor. The floor is what every keystore must meet; the default is what
``keys new`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw

from wpokt_node.errors import KeyMaterialError
from wpokt_node.secret import Secret

KEY_LENGTH = 32  # AES-256
SALT_LENGTH = 16
MIN_SALT_LENGTH = 16
MAX_SALT_LENGTH = 64

MIN_TIME_COST = 1
MAX_TIME_COST = 50
MIN_MEMORY_KIB = 8 * 1024
MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
MIN_PARALLELISM = 1
MAX_PARALLELISM = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost parameters (memory in KiB, as Argon2 counts it)."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def check(self) -> None:
        """Raise KeyMaterialError unless every parameter is an int within the accepted bounds."""
        bounds = (
            ("time_cost", self.time_cost, MIN_TIME_COST, MAX_TIME_COST),
            ("memory_kib", self.memory_kib, MIN_MEMORY_KIB, MAX_MEMORY_KIB),
            ("parallelism", self.parallelism, MIN_PARALLELISM, MAX_PARALLELISM),
        )
        for name, value, low, high in bounds:
            if isinstance(value, bool) or not isinstance(value, int):
                raise KeyMaterialError(f"Argon2id {name} must be an integer")
            if not low <= value <= high:
                raise KeyMaterialError(
                    f"Argon2id {name}={value} is outside the accepted range {low}..{high}"
                )


DEFAULT_KDF = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=1)


def derive_key(password: Secret, salt: bytes, params: KdfParams) -> bytes:
    """The 32-byte AES key for ``password``; parameters are checked before any work is done."""
    params.check()
    if not MIN_SALT_LENGTH <= len(salt) <= MAX_SALT_LENGTH:
        raise KeyMaterialError(
            f"Argon2id salt must have {MIN_SALT_LENGTH}..{MAX_SALT_LENGTH} bytes, got {len(salt)}"
        )
    return bytes(
        hash_secret_raw(
            password.reveal().encode("utf-8"),
            salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=KEY_LENGTH,
            type=Type.ID,
            version=ARGON2_VERSION,
        )
    )
