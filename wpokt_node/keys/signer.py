"""The one signing interface every key source implements.

Both chains use secp256k1. Ethereum (EIP-712) needs a recoverable signature over a keccak
digest; Pocket (amino JSON) needs a 64-byte low-S ``r||s`` over the sha256 of the sign bytes.
A signer only ever signs a 32-byte digest; the callers hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import coincurve
from coincurve.ecdsa import cdata_to_der, deserialize_compact
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.addresses import address_from_secp256k1_pubkey
from wpokt_node.errors import KeyMaterialError, SigningError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2


@dataclass(frozen=True, slots=True)
class RecoverableSignature:
    """A low-S secp256k1 signature with its recovery id (0 or 1)."""

    r: int
    s: int
    recovery_id: int

    def __post_init__(self) -> None:
        if not (0 < self.r < SECP256K1_N and 0 < self.s <= SECP256K1_HALF_N):
            raise SigningError("signature is not a canonical low-S secp256k1 signature")
        if self.recovery_id not in (0, 1):
            raise SigningError("recovery id must be 0 or 1")

    def rs_bytes(self) -> bytes:
        """64 bytes r||s (Cosmos format)."""
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big")

    def eth_bytes(self) -> bytes:
        """65 bytes r||s||v with v in {27, 28} (Ethereum / OpenZeppelin ECDSA format)."""
        return self.rs_bytes() + bytes([27 + self.recovery_id])


@runtime_checkable
class Secp256k1Signer(Protocol):
    """A key that signs 32-byte digests: local keys, keystore files and AWS KMS implement it."""

    @property
    def public_key(self) -> bytes:
        """The 33-byte compressed public key."""
        ...

    def sign_digest(self, digest: bytes) -> RecoverableSignature: ...


def eth_address_of(public_key: bytes) -> str:
    """Checksummed Ethereum address of a compressed or uncompressed secp256k1 public key."""
    uncompressed = coincurve.PublicKey(public_key).format(compressed=False)
    return str(to_checksum_address(keccak(uncompressed[1:])[-20:]))


def pokt_address_of(public_key: bytes) -> str:
    return address_from_secp256k1_pubkey(coincurve.PublicKey(public_key).format(compressed=True))


def normalize_low_s(r: int, s: int, recovery_id: int) -> RecoverableSignature:
    """Flip a high-S signature to low-S (and its recovery id with it)."""
    if s > SECP256K1_HALF_N:
        return RecoverableSignature(r, SECP256K1_N - s, recovery_id ^ 1)
    return RecoverableSignature(r, s, recovery_id)


def recover_public_key(digest: bytes, signature: RecoverableSignature) -> bytes:
    """The compressed public key that produced ``signature`` over ``digest``."""
    raw = signature.rs_bytes() + bytes([signature.recovery_id])
    try:
        key = coincurve.PublicKey.from_signature_and_message(raw, digest, hasher=None)
    except Exception as exc:
        raise SigningError("signature does not recover to a public key") from exc
    return bytes(key.format(compressed=True))


def verify_digest(public_key: bytes, digest: bytes, signature_rs: bytes) -> bool:
    """Verify a 64-byte r||s signature; rejects high-S like the Cosmos SDK does."""
    if len(signature_rs) != 64 or len(digest) != 32:
        return False
    s = int.from_bytes(signature_rs[32:], "big")
    r = int.from_bytes(signature_rs[:32], "big")
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_HALF_N):
        return False
    try:
        der = cdata_to_der(deserialize_compact(signature_rs))
        return bool(coincurve.PublicKey(public_key).verify(der, digest, hasher=None))
    except Exception:
        return False


class LocalKeySigner:
    """A signer over a raw private key held in memory (devnet env keys, decrypted keystores)."""

    __slots__ = ("_key",)

    def __init__(self, private_key: bytes | bytearray) -> None:
        if len(private_key) != 32:
            raise KeyMaterialError("a secp256k1 private key has 32 bytes")
        try:
            self._key = coincurve.PrivateKey(bytes(private_key))
        except Exception:
            raise KeyMaterialError("not a valid secp256k1 private key (value not shown)") from None

    @classmethod
    def from_hex(cls, text: str) -> LocalKeySigner:
        cleaned = text.strip().removeprefix("0x")
        try:
            raw = bytes.fromhex(cleaned)
        except ValueError:
            raise KeyMaterialError("private key is not valid hex (value not shown)") from None
        return cls(raw)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.public_key.format(compressed=True))

    def sign_digest(self, digest: bytes) -> RecoverableSignature:
        if len(digest) != 32:
            raise SigningError("only 32-byte digests are signed")
        raw = self._key.sign_recoverable(digest, hasher=None)
        r = int.from_bytes(raw[:32], "big")
        s = int.from_bytes(raw[32:64], "big")
        return normalize_low_s(r, s, raw[64])

    def __repr__(self) -> str:
        return f"LocalKeySigner(eth={eth_address_of(self.public_key)}, key=[REDACTED])"
