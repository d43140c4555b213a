"""Public keys the simulator accepts: secp256k1 and LegacyAminoPubKey threshold multisig.

Written independently of the node's own multisig code (``wpokt_node/pokt``): the simulator
exists to check the node, so it derives addresses and amino encodings on its own.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import cosmpy.protos.cosmos.crypto.multisig.keys_pb2 as multisig_keys_pb2
from cosmpy.protos.cosmos.crypto.secp256k1 import keys_pb2 as secp256k1_keys_pb2
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError

from wpokt_devnet.pokt_sim.addresses import (
    PREFIX,
    address_from_bytes,
    address_from_secp256k1_pubkey,
    bech32_encode,
    module_address,
)

SECP256K1_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey"
MULTISIG_TYPE_URL = "/cosmos.crypto.multisig.LegacyAminoPubKey"

# Amino prefixes (4-byte registered-type prefix) of the two concrete key types.
_AMINO_PREFIX_SECP256K1 = bytes.fromhex("eb5ae987")
_AMINO_PREFIX_MULTISIG = bytes.fromhex("22c1f7e2")


class PubKeyError(ValueError):
    """The bytes or JSON do not describe a public key the simulator supports."""


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


@dataclass(frozen=True, slots=True)
class Secp256k1Key:
    key: bytes  # 33-byte compressed point

    def __post_init__(self) -> None:
        if len(self.key) != 33 or self.key[0] not in (2, 3):
            raise PubKeyError("a secp256k1 public key has 33 bytes and starts with 02 or 03")

    @property
    def address(self) -> str:
        return address_from_secp256k1_pubkey(self.key)

    @property
    def key_count(self) -> int:
        return 1

    def amino_bytes(self) -> bytes:
        return _AMINO_PREFIX_SECP256K1 + bytes([len(self.key)]) + self.key

    def to_any(self) -> any_pb2.Any:
        value = secp256k1_keys_pb2.PubKey(key=self.key).SerializeToString()
        return any_pb2.Any(type_url=SECP256K1_TYPE_URL, value=value)

    def to_json(self) -> dict[str, Any]:
        return {"@type": SECP256K1_TYPE_URL, "key": base64.b64encode(self.key).decode()}


@dataclass(frozen=True, slots=True)
class MultisigKey:
    """A LegacyAminoPubKey: keys in the order given (the order is part of the address)."""

    threshold: int
    keys: tuple[Secp256k1Key, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise PubKeyError("a multisig key needs at least one public key")
        if not 0 < self.threshold <= len(self.keys):
            raise PubKeyError(
                f"multisig threshold {self.threshold} must be between 1 and {len(self.keys)}"
            )

    def amino_bytes(self) -> bytes:
        """Amino binary: prefix, field 1 threshold (varint), field 2 each key (length-prefixed)."""
        body = bytearray(b"\x08" + _uvarint(self.threshold))
        for key in self.keys:
            encoded = key.amino_bytes()
            body += b"\x12" + _uvarint(len(encoded)) + encoded
        return _AMINO_PREFIX_MULTISIG + bytes(body)

    @property
    def address(self) -> str:
        return address_from_bytes(hashlib.sha256(self.amino_bytes()).digest()[:20])

    @property
    def key_count(self) -> int:
        return len(self.keys)

    def to_any(self) -> any_pb2.Any:
        message = multisig_keys_pb2.LegacyAminoPubKey(
            threshold=self.threshold, public_keys=[key.to_any() for key in self.keys]
        )
        return any_pb2.Any(type_url=MULTISIG_TYPE_URL, value=message.SerializeToString())

    def to_json(self) -> dict[str, Any]:
        return {
            "@type": MULTISIG_TYPE_URL,
            "threshold": self.threshold,
            "public_keys": [key.to_json() for key in self.keys],
        }


PubKey = Secp256k1Key | MultisigKey


def pubkey_from_any(value: any_pb2.Any) -> PubKey:
    """Decode a protobuf Any public key (as found in SignerInfo.public_key)."""
    try:
        if value.type_url == SECP256K1_TYPE_URL:
            return Secp256k1Key(secp256k1_keys_pb2.PubKey.FromString(value.value).key)
        if value.type_url == MULTISIG_TYPE_URL:
            message = multisig_keys_pb2.LegacyAminoPubKey.FromString(value.value)
            keys = []
            for sub in message.public_keys:
                if sub.type_url != SECP256K1_TYPE_URL:
                    raise PubKeyError(f"unsupported multisig member key type {sub.type_url!r}")
                keys.append(Secp256k1Key(secp256k1_keys_pb2.PubKey.FromString(sub.value).key))
            return MultisigKey(message.threshold, tuple(keys))
    except DecodeError as exc:
        raise PubKeyError(f"cannot decode {value.type_url}: {exc}") from exc
    raise PubKeyError(f"unsupported public key type {value.type_url!r}")


def pubkey_from_json(value: object) -> PubKey:
    """Decode the SDK JSON form (``{"@type": ..., "key": base64}`` or the multisig form)."""
    if not isinstance(value, dict):
        raise PubKeyError("a public key must be a JSON object with '@type'")
    type_url = value.get("@type")
    try:
        if type_url == SECP256K1_TYPE_URL:
            return Secp256k1Key(base64.b64decode(str(value["key"]), validate=True))
        if type_url == MULTISIG_TYPE_URL:
            members = value["public_keys"]
            if not isinstance(members, list):
                raise PubKeyError("public_keys must be a list")
            keys = []
            for member in members:
                key = pubkey_from_json(member)
                if not isinstance(key, Secp256k1Key):
                    raise PubKeyError("nested multisig keys are not supported")
                keys.append(key)
            return MultisigKey(int(value["threshold"]), tuple(keys))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PubKeyError):
            raise
        raise PubKeyError(f"malformed public key JSON: {exc}") from exc
    raise PubKeyError(f"unsupported public key type {type_url!r}")


MODULE_CREDENTIAL_TYPE_URL = "/cosmos.auth.v1beta1.ModuleCredential"


@dataclass(frozen=True, slots=True)
class ModuleCredential:
    """The pub key of an x/group policy account (x/auth ``NewModuleCredential``): no private key
    exists, so such an account never signs a tx (the SDK's sig gas consumer refuses the type)."""

    module_name: str
    derivation_keys: tuple[bytes, ...]

    @property
    def address(self) -> str:
        return bech32_encode(PREFIX, module_address(self.module_name, *self.derivation_keys))

    def to_json(self) -> dict[str, Any]:
        return {
            "@type": MODULE_CREDENTIAL_TYPE_URL,
            "module_name": self.module_name,
            "derivation_keys": [base64.b64encode(k).decode() for k in self.derivation_keys],
        }


AccountKey = PubKey | ModuleCredential


def account_key_from_json(value: object) -> AccountKey:
    """``pubkey_from_json`` plus the ModuleCredential of group policy accounts (state files)."""
    if isinstance(value, dict) and value.get("@type") == MODULE_CREDENTIAL_TYPE_URL:
        try:
            keys = tuple(base64.b64decode(str(k), validate=True) for k in value["derivation_keys"])
            return ModuleCredential(str(value["module_name"]), keys)
        except (KeyError, TypeError, ValueError) as exc:
            raise PubKeyError(f"malformed module credential JSON: {exc}") from exc
    return pubkey_from_json(value)
