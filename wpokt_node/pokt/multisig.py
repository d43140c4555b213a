"""The vault: a ``LegacyAminoPubKey`` threshold multisig of T-of-N secp256k1 keys.

The SDK (``crypto/keys/multisig``) derives the account address as the first 20 bytes of
sha256 of the key's amino binary encoding. ``keys add --multisig`` and cosmjs'
``createMultisigThresholdPubkey`` sort the member keys by their account address bytes first;
we always sort, so the configured key order never changes the vault.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import coincurve

# Registers LegacyAminoPubKey with protobuf before anything decodes an account holding one.
from cosmpy.protos.cosmos.crypto.multisig import keys_pb2 as multisig_keys_pb2
from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.crypto.secp256k1 import keys_pb2 as secp256k1_keys_pb2
from google.protobuf import any_pb2

from wpokt_node.addresses import address_from_bytes, address_to_bytes, ripemd160
from wpokt_node.errors import ValidationError

MULTISIG_PUBKEY_TYPE_URL = "/cosmos.crypto.multisig.LegacyAminoPubKey"
SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey"

_AMINO_PREFIX_SECP256K1 = bytes.fromhex("eb5ae987")
_AMINO_PREFIX_MULTISIG = bytes.fromhex("22c1f7e2")


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def compressed_pubkey(raw: bytes) -> bytes:
    """Validate a secp256k1 public key (any encoding) and return its 33-byte compressed form."""
    try:
        return bytes(coincurve.PublicKey(bytes(raw)).format(compressed=True))
    except Exception:
        raise ValidationError("not a valid secp256k1 public key") from None


def secp256k1_raw_address(pubkey: bytes) -> bytes:
    return ripemd160(hashlib.sha256(pubkey).digest())


@dataclass(frozen=True, slots=True)
class MultisigPubKey:
    """T-of-N secp256k1 multisig; ``public_keys`` in the on-chain order (sorted by address)."""

    threshold: int
    public_keys: tuple[bytes, ...]

    @classmethod
    def create(cls, threshold: int, keys: Iterable[bytes], *, sort: bool = True) -> MultisigPubKey:
        normalized = [compressed_pubkey(k) for k in keys]
        if not normalized:
            raise ValidationError("a multisig needs at least one key")
        if len(set(normalized)) != len(normalized):
            raise ValidationError("a multisig key appears twice")
        if isinstance(threshold, bool) or not 0 < threshold <= len(normalized):
            raise ValidationError(
                f"threshold {threshold} must be between 1 and the number of keys "
                f"({len(normalized)})"
            )
        if sort:
            normalized.sort(key=secp256k1_raw_address)
        return cls(threshold, tuple(normalized))

    @classmethod
    def from_hex_keys(cls, threshold: int, keys_hex: Iterable[str]) -> MultisigPubKey:
        keys: list[bytes] = []
        for text in keys_hex:
            try:
                keys.append(bytes.fromhex(text.strip().removeprefix("0x")))
            except ValueError:
                raise ValidationError(f"public key is not hex: {text[:80]!r}") from None
        return cls.create(threshold, keys)

    @property
    def size(self) -> int:
        return len(self.public_keys)

    def amino_bytes(self) -> bytes:
        """The amino binary encoding (``PubKeyMultisigThreshold``), input of the address."""
        out = bytearray(_AMINO_PREFIX_MULTISIG)
        out += b"\x08" + _uvarint(self.threshold)
        for key in self.public_keys:
            inner = _AMINO_PREFIX_SECP256K1 + _uvarint(len(key)) + key
            out += b"\x12" + _uvarint(len(inner)) + inner
        return bytes(out)

    def raw_address(self) -> bytes:
        return hashlib.sha256(self.amino_bytes()).digest()[:20]

    def address(self) -> str:
        return address_from_bytes(self.raw_address())

    def index_of(self, pubkey: bytes) -> int | None:
        try:
            return self.public_keys.index(compressed_pubkey(pubkey))
        except (ValueError, ValidationError):
            return None

    def to_proto(self) -> multisig_keys_pb2.LegacyAminoPubKey:
        proto = multisig_keys_pb2.LegacyAminoPubKey(threshold=self.threshold)
        for key in self.public_keys:
            inner = any_pb2.Any(
                type_url=SECP256K1_PUBKEY_TYPE_URL,
                value=secp256k1_keys_pb2.PubKey(key=key).SerializeToString(),
            )
            proto.public_keys.append(inner)
        return proto

    def to_any(self) -> any_pb2.Any:
        return any_pb2.Any(
            type_url=MULTISIG_PUBKEY_TYPE_URL, value=self.to_proto().SerializeToString()
        )

    @classmethod
    def from_any(cls, value: any_pb2.Any) -> MultisigPubKey:
        """Decode the key a tx carries, keeping its order (the chain verifies in that order)."""
        if value.type_url != MULTISIG_PUBKEY_TYPE_URL:
            raise ValidationError(f"not a multisig public key: {value.type_url!r}")
        proto = multisig_keys_pb2.LegacyAminoPubKey()
        try:
            proto.ParseFromString(value.value)
        except Exception:
            raise ValidationError("malformed LegacyAminoPubKey") from None
        keys: list[bytes] = []
        for inner in proto.public_keys:
            if inner.type_url != SECP256K1_PUBKEY_TYPE_URL:
                raise ValidationError(f"unsupported multisig member key type {inner.type_url!r}")
            member = secp256k1_keys_pb2.PubKey()
            try:
                member.ParseFromString(inner.value)
            except Exception:
                raise ValidationError("malformed secp256k1 member key") from None
            keys.append(bytes(member.key))
        return cls.create(proto.threshold, keys, sort=False)


def vault_address(threshold: int, member_keys_hex: Sequence[str]) -> str:
    return MultisigPubKey.from_hex_keys(threshold, member_keys_hex).address()


def same_address(left: str, right: str) -> bool:
    try:
        return address_to_bytes(left) == address_to_bytes(right)
    except ValidationError:
        return False


def compact_bit_array(bits: Sequence[bool]) -> multisig_pb2.CompactBitArray:
    """cosmos ``CompactBitArray``: bit i is the (7 - i % 8)-th bit of byte i // 8."""
    elems = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit:
            elems[index // 8] |= 1 << (7 - index % 8)
    return multisig_pb2.CompactBitArray(extra_bits_stored=len(bits) % 8, elems=bytes(elems))


def bit_array_bits(array: multisig_pb2.CompactBitArray) -> list[bool]:
    """Decode a ``CompactBitArray`` (raises ValidationError on an inconsistent one)."""
    extra = array.extra_bits_stored
    elems = bytes(array.elems)
    if extra > 7:
        raise ValidationError("CompactBitArray extra_bits_stored must be < 8")
    if extra == 0:
        size = len(elems) * 8
    else:
        if not elems:
            raise ValidationError("CompactBitArray has extra bits but no bytes")
        size = (len(elems) - 1) * 8 + extra
    return [bool(elems[i // 8] & (1 << (7 - i % 8))) for i in range(size)]
