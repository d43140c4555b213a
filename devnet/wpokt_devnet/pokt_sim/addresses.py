"""Bech32 (BIP-173) and Pocket account addresses, written for the simulator alone.

The simulator checks the node, so it does not borrow the node's address code: a bug there
must not be mirrored here. Account addresses are bech32 with prefix ``pokt`` over 20 bytes;
a secp256k1 key's address is ripemd160(sha256(33-byte compressed key)), as in the Cosmos SDK.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from Crypto.Hash import RIPEMD160

PREFIX = "pokt"
ADDRESS_BYTES = 20
MODULE_ADDRESS_BYTES = 32  # address.Module(...): x/group policy accounts

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATORS = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_MAX_LENGTH = 90


class AddressError(ValueError):
    """Not a valid bech32 string, or not a 20-byte ``pokt1…`` address."""


def _polymod(values: Iterable[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATORS):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _regroup(data: Iterable[int], from_bits: int, to_bits: int, *, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    mask = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & mask)
    if pad and bits:
        out.append((acc << (to_bits - bits)) & mask)
    elif not pad and (bits >= from_bits or (acc << (to_bits - bits)) & mask):
        raise AddressError("bech32: invalid padding")
    return out


def bech32_encode(hrp: str, payload: bytes) -> str:
    data = _regroup(payload, 8, 5, pad=True)
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def bech32_decode(text: str) -> tuple[str, bytes]:
    """(hrp, payload); AddressError for anything that is not valid bech32."""
    if len(text) > _MAX_LENGTH or (text.lower() != text and text.upper() != text):
        raise AddressError("bech32: too long or mixed case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or any(not 33 <= ord(c) <= 126 for c in text):
        raise AddressError("bech32: missing separator, short checksum or bad character")
    hrp, rest = text[:pos], text[pos + 1 :]
    if any(c not in _CHARSET for c in rest):
        raise AddressError("bech32: character outside the alphabet")
    data = [_CHARSET.index(c) for c in rest]
    if _polymod(_hrp_expand(hrp) + data) != 1:
        raise AddressError("bech32: bad checksum")
    return hrp, bytes(_regroup(data[:-6], 5, 8, pad=False))


def address_from_bytes(raw: bytes) -> str:
    if len(raw) != ADDRESS_BYTES:
        raise AddressError(f"an address has {ADDRESS_BYTES} bytes, got {len(raw)}")
    return bech32_encode(PREFIX, raw)


def normalize(address: str) -> str:
    """The canonical (lower-case) ``pokt1…`` form of a 20-byte account or a 32-byte module
    account (a group policy); AddressError if it is neither."""
    hrp, raw = bech32_decode(address)
    if hrp != PREFIX:
        raise AddressError(f"prefix {hrp!r}, expected {PREFIX!r}")
    if len(raw) == MODULE_ADDRESS_BYTES:
        return bech32_encode(PREFIX, raw)
    return address_from_bytes(raw)


def _hash(kind: bytes, key: bytes) -> bytes:
    """types/address/hash.go ``Hash(typ, key) = sha256(sha256(typ) || key)``."""
    return hashlib.sha256(hashlib.sha256(kind).digest() + key).digest()


def module_address(module: str, *derivation_keys: bytes) -> bytes:
    """``address.Module(name, k0, k1, ...)``: ``Hash("module", name||0x00||k0)``, then
    ``Derive(addr, k) = Hash(addr, k)`` for each further key (32 bytes)."""
    first, *rest = derivation_keys
    address = _hash(b"module", module.encode() + b"\x00" + first)
    for key in rest:
        address = _hash(address, key)
    return address


def _ripemd160(data: bytes) -> bytes:
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:  # OpenSSL 3 without the legacy provider
        return bytes(RIPEMD160.new(data).digest())


def address_from_secp256k1_pubkey(compressed: bytes) -> str:
    return address_from_bytes(_ripemd160(hashlib.sha256(compressed).digest()))
