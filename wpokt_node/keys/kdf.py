"""Argon2id key derivation for keystore files: the parameters, their limits, the derivation.

The parameters travel inside each keystore file, so the loader checks them against fixed
bounds first: a crafted file must not make the node allocate gigabytes or spin for minutes
(``check``). A keystore is then decrypted only if it also meets the floor (``meets_floor``):
Argon2id with at least 19 MiB and 2 passes, the minimum of the OWASP Password Storage Cheat
Sheet (the lower RFC 9106 recommendations are stronger still). A weaker keystore written
elsewhere is refused with the command that re-encrypts it (``wpokt-node keys upgrade``), the
only reader that may open it. The default is what ``keys new`` writes.
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

MIN_TIME_COST = 2
MAX_TIME_COST = 50
MIN_MEMORY_KIB = 19 * 1024
MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
# what a file may name at all (a weaker one parses, so that `keys upgrade` can re-encrypt it)
SANE_TIME_COST = 1
SANE_MEMORY_KIB = 8
MIN_PARALLELISM = 1
MAX_PARALLELISM = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost parameters (memory in KiB, as Argon2 counts it)."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def meets_floor(self) -> bool:
        return self.time_cost >= MIN_TIME_COST and self.memory_kib >= MIN_MEMORY_KIB

    def floor_problem(self) -> str | None:
        """Why these parameters are too weak to protect a key, or None."""
        if self.meets_floor():
            return None
        return (
            f"Argon2id time_cost={self.time_cost}, memory_kib={self.memory_kib} is below the "
            f"minimum time_cost>={MIN_TIME_COST}, memory_kib>={MIN_MEMORY_KIB} (19 MiB, OWASP)"
        )

    def check(self) -> None:
        """Raise KeyMaterialError unless every parameter is an int within the sane bounds."""
        bounds = (
            ("time_cost", self.time_cost, SANE_TIME_COST, MAX_TIME_COST),
            ("memory_kib", self.memory_kib, SANE_MEMORY_KIB, MAX_MEMORY_KIB),
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
