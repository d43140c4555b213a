"""Pocket account addresses: bech32 with prefix ``pokt`` over 20 bytes (accounts of a key) or
32 bytes (derived accounts such as a group policy: cosmos-sdk ``types/address.Module``)."""

from __future__ import annotations

import hashlib

from Crypto.Hash import RIPEMD160

from wpokt_node import bech32
from wpokt_node.errors import ValidationError

POKT_PREFIX = "pokt"
ADDRESS_LENGTH = 20
DERIVED_ADDRESS_LENGTH = 32
_LENGTHS = (ADDRESS_LENGTH, DERIVED_ADDRESS_LENGTH)


def _check_length(raw: bytes) -> None:
    if len(raw) not in _LENGTHS:
        raise ValidationError(f"a Pocket address has 20 or 32 bytes, got {len(raw)}")


def address_from_bytes(raw: bytes) -> str:
    _check_length(raw)
    return bech32.encode(POKT_PREFIX, raw)


def address_to_bytes(address: str) -> bytes:
    """Decode ``pokt1…`` into its bytes; raise ValidationError with a clear reason otherwise."""
    try:
        hrp, raw = bech32.decode(address)
    except bech32.Bech32Error as exc:
        raise ValidationError(f"not a valid Pocket address ({exc}): {address[:100]!r}") from exc
    if hrp != POKT_PREFIX:
        raise ValidationError(f"Pocket addresses start with '{POKT_PREFIX}1', got prefix {hrp!r}")
    _check_length(raw)
    return raw


def is_pokt_address(address: object) -> bool:
    if not isinstance(address, str):
        return False
    try:
        address_to_bytes(address)
    except ValidationError:
        return False
    return True


def normalize(address: str) -> str:
    """The canonical (lower-case) form of a valid address."""
    return address_from_bytes(address_to_bytes(address))


def address_from_secp256k1_pubkey(compressed_pubkey: bytes) -> str:
    """Cosmos account address of a secp256k1 key: ripemd160(sha256(33-byte compressed key))."""
    if len(compressed_pubkey) != 33 or compressed_pubkey[0] not in (2, 3):
        raise ValidationError("expected a 33-byte compressed secp256k1 public key")
    return address_from_bytes(ripemd160(hashlib.sha256(compressed_pubkey).digest()))


def ripemd160(data: bytes) -> bytes:
    """RIPEMD-160; OpenSSL 3 may not offer it, so fall back to pycryptodome (a web3 dependency)."""
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:
        return bytes(RIPEMD160.new(data).digest())
