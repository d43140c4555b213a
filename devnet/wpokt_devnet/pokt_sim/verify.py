"""Signature checks: a single secp256k1 key, or a LegacyAminoPubKey threshold multisig.

Sign bytes depend on the sign mode, so callers pass ``sign_bytes(mode)``. A multisig needs
a bit array as long as its key list, one signature per set bit (in key order), at least
``threshold`` of them, and every one of them valid.

secp256k1 checks use ``cryptography`` (OpenSSL) directly, not the node's signer (which uses
libsecp256k1 via coincurve): the simulator is an independent check of what the node signs.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from wpokt_devnet.pokt_sim.keys import MultisigKey, PubKey, Secp256k1Key
from wpokt_devnet.pokt_sim.tx import MultiSig, SigData, SingleSig

SignBytes = Callable[[int], bytes]

# Order n of the secp256k1 group, and n/2: the largest S a signature may carry.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N >> 1


class BadSignatureError(ValueError):
    """The signature does not verify; the message says why (for the simulator's own log)."""


def verify_signature(public_key: PubKey, sig: SigData, sign_bytes: SignBytes) -> None:
    if isinstance(public_key, Secp256k1Key):
        if not isinstance(sig, SingleSig):
            raise BadSignatureError("single key with a multisig signature")
        secp256k1_verify(public_key.key, sign_bytes(sig.mode), sig.signature)
        return
    _verify_multisig(public_key, sig, sign_bytes)


def secp256k1_verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """ECDSA over sha256(message) with a 64-byte r||s signature; BadSignatureError if not valid.

    The rules of the Cosmos SDK's ``secp256k1.PubKey.VerifySignature`` (cosmos/cosmos-sdk
    crypto/keys/secp256k1/secp256k1_nocgo.go): exactly 64 bytes, and S must be in the lower
    half of the group order (a high-S signature is malleable and is rejected, not normalised).
    """
    if len(signature) != 64:
        raise BadSignatureError(f"signature has {len(signature)} bytes, expected 64 (r||s)")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not 0 < r < SECP256K1_N or not 0 < s < SECP256K1_N:
        raise BadSignatureError("r or s is outside [1, n-1]")
    if s > SECP256K1_HALF_N:
        raise BadSignatureError("high S (malleable signature)")
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), public_key)
    except ValueError:
        raise BadSignatureError("not a point on secp256k1") from None
    try:
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise BadSignatureError("secp256k1 signature does not verify") from None


def _verify_multisig(public_key: MultisigKey, sig: SigData, sign_bytes: SignBytes) -> None:
    if not isinstance(sig, MultiSig):
        raise BadSignatureError("multisig key with a single signature")
    if len(sig.bits) != len(public_key.keys):
        raise BadSignatureError(
            f"bit array size {len(sig.bits)} does not match {len(public_key.keys)} keys"
        )
    signed = [key for key, bit in zip(public_key.keys, sig.bits, strict=True) if bit]
    if len(signed) != len(sig.sigs):
        raise BadSignatureError(f"{len(signed)} bits set but {len(sig.sigs)} signatures given")
    if len(sig.sigs) < public_key.threshold:
        raise BadSignatureError(f"{len(sig.sigs)} signatures, threshold is {public_key.threshold}")
    for index, (key, sub_sig) in enumerate(zip(signed, sig.sigs, strict=True)):
        if not isinstance(sub_sig, SingleSig):
            raise BadSignatureError("nested multisig signatures are not supported")
        try:
            verify_signature(key, sub_sig, sign_bytes)
        except BadSignatureError as exc:
            raise BadSignatureError(f"multisig member {key.address} (#{index}): {exc}") from None
