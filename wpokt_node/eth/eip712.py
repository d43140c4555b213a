"""EIP-712 ``MintData`` hashing, signing and signer recovery for the MintController.

digest = keccak256(0x1901 || domainSeparator || structHash(MintData)), with the domain
``EIP712Domain(name="MintController", version="1", chainId, verifyingContract)``.
Signatures are 65 bytes ``r || s || v`` (v in {27, 28}, low S), as OpenZeppelin's ECDSA expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from eth_utils.address import is_hex_address, to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.amounts import MAX_UINT256
from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.keys.signer import (
    RecoverableSignature,
    Secp256k1Signer,
    eth_address_of,
    recover_public_key,
)

DOMAIN_NAME = "MintController"
DOMAIN_VERSION = "1"
EIP712_DOMAIN_TYPE = (
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
MINT_DATA_TYPE = "MintData(address recipient,uint256 amount,uint256 nonce)"
EIP712_DOMAIN_TYPEHASH = keccak(text=EIP712_DOMAIN_TYPE)
MINT_DATA_TYPEHASH = keccak(text=MINT_DATA_TYPE)
SIGNATURE_LENGTH = 65


def _checksum(value: str, what: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise ValidationError(f"{what} is not an Ethereum address: {str(value)[:60]!r}")
    return str(to_checksum_address(value))


def _uint256(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT256:
        raise ValidationError(f"{what} must be an integer in uint256 range")
    return value


@dataclass(frozen=True, slots=True)
class MintData:
    """The struct validators sign; ``recipient`` is stored checksummed."""

    recipient: str
    amount: int
    nonce: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipient", _checksum(self.recipient, "recipient"))
        _uint256(self.amount, "amount")
        _uint256(self.nonce, "nonce")

    def as_tuple(self) -> tuple[str, int, int]:
        return (self.recipient, self.amount, self.nonce)


@dataclass(frozen=True, slots=True)
class MintDomain:
    chain_id: int
    verifying_contract: str

    def __post_init__(self) -> None:
        if isinstance(self.chain_id, bool) or not isinstance(self.chain_id, int):
            raise ValidationError("chain id must be an integer")
        if self.chain_id < 1:
            raise ValidationError(f"chain id must be positive, got {self.chain_id}")
        checksummed = _checksum(self.verifying_contract, "verifying contract")
        object.__setattr__(self, "verifying_contract", checksummed)

    def separator(self) -> bytes:
        return keccak(
            abi_encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [
                    EIP712_DOMAIN_TYPEHASH,
                    keccak(text=DOMAIN_NAME),
                    keccak(text=DOMAIN_VERSION),
                    self.chain_id,
                    self.verifying_contract,
                ],
            )
        )


def mint_data_struct_hash(data: MintData) -> bytes:
    return keccak(
        abi_encode(
            ["bytes32", "address", "uint256", "uint256"],
            [MINT_DATA_TYPEHASH, data.recipient, data.amount, data.nonce],
        )
    )


def typed_data_digest(domain: MintDomain, data: MintData) -> bytes:
    return keccak(b"\x19\x01" + domain.separator() + mint_data_struct_hash(data))


def mint_data_digest(
    chain_id: int, controller_address: str, recipient: str, amount: int, nonce: int
) -> bytes:
    """The 32-byte digest validators sign for this mint."""
    return typed_data_digest(
        MintDomain(chain_id, controller_address), MintData(recipient, amount, nonce)
    )


def sign_mint_data(  # noqa: PLR0917 (mirrors mint_data_digest)
    signer: Secp256k1Signer,
    chain_id: int,
    controller_address: str,
    recipient: str,
    amount: int,
    nonce: int,
) -> bytes:
    """This node's 65-byte signature over the MintData digest (checked before it is returned)."""
    digest = mint_data_digest(chain_id, controller_address, recipient, amount, nonce)
    signature = signer.sign_digest(digest).eth_bytes()
    expected = eth_address_of(signer.public_key)
    if recover_mint_signer(digest, signature) != expected:
        raise SigningError("the signer produced a signature that does not recover to its address")
    return signature


def parse_signature(signature: bytes) -> RecoverableSignature:
    """Decode 65 bytes r||s||v (v 27/28, also 0/1); rejects malleable high-S signatures."""
    if not isinstance(signature, bytes | bytearray) or len(signature) != SIGNATURE_LENGTH:
        raise SigningError(f"an Ethereum signature has {SIGNATURE_LENGTH} bytes")
    v = signature[64]
    if v in (27, 28):
        v -= 27
    if v not in (0, 1):
        raise SigningError(f"signature recovery byte must be 27 or 28, got {signature[64]}")
    return RecoverableSignature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), v
    )


def recover_mint_signer(digest: bytes, signature: bytes) -> str:
    """The checksummed address that signed ``digest``."""
    if len(digest) != 32:
        raise SigningError("a MintData digest has 32 bytes")
    return eth_address_of(recover_public_key(digest, parse_signature(signature)))


def verify_mint_signature(digest: bytes, signature: bytes, expected_signer: str) -> None:
    """Raise SigningError unless ``signature`` over ``digest`` is by ``expected_signer``."""
    expected = _checksum(expected_signer, "expected signer")
    actual = recover_mint_signer(digest, signature)
    if actual != expected:
        raise SigningError(f"signature is by {actual}, expected {expected}")


def sort_signatures_by_signer(digest: bytes, signatures: Iterable[bytes]) -> list[bytes]:
    """Signatures ordered by recovered signer address ascending (the contract's order)."""
    recovered = [(int(recover_mint_signer(digest, sig), 16), bytes(sig)) for sig in signatures]
    return [sig for _, sig in sorted(recovered, key=lambda pair: pair[0])]


def select_mint_signatures(
    digest: bytes, signatures: Sequence[bytes], validators: Iterable[str], threshold: int
) -> list[bytes]:
    """Distinct validator signatures, sorted for submission; raise if fewer than ``threshold``.

    Invalid, non-validator and duplicate signatures are dropped so one bad stored signature
    cannot block a mint that has enough good ones.
    """
    allowed = {_checksum(v, "validator") for v in validators}
    by_signer: dict[str, bytes] = {}
    for signature in signatures:
        try:
            signer = recover_mint_signer(digest, signature)
        except SigningError:
            continue
        if signer in allowed:
            by_signer.setdefault(signer, bytes(signature))
    if len(by_signer) < threshold:
        raise SigningError(
            f"only {len(by_signer)} distinct validator signatures, threshold is {threshold}"
        )
    return [by_signer[s] for s in sorted(by_signer, key=lambda address: int(address, 16))]
