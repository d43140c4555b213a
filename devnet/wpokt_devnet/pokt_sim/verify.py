"""Signature checks: a single secp256k1 key, or a LegacyAminoPubKey threshold multisig.

Sign bytes depend on the sign mode, so callers pass ``sign_bytes(mode)``. A multisig needs
a bit array as long as its key list, one signature per set bit (in key order), at least
``threshold`` of them, and every one of them valid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from wpokt_devnet.pokt_sim.keys import MultisigKey, PubKey, Secp256k1Key
from wpokt_devnet.pokt_sim.tx import MultiSig, SigData, SingleSig
from wpokt_node.keys.signer import verify_digest

SignBytes = Callable[[int], bytes]


class BadSignatureError(ValueError):
    """The signature does not verify; the message says why (for the simulator's own log)."""


def verify_signature(public_key: PubKey, sig: SigData, sign_bytes: SignBytes) -> None:
    if isinstance(public_key, Secp256k1Key):
        if not isinstance(sig, SingleSig):
            raise BadSignatureError("single key with a multisig signature")
        digest = hashlib.sha256(sign_bytes(sig.mode)).digest()
        if not verify_digest(public_key.key, digest, sig.signature):
            raise BadSignatureError("secp256k1 signature does not verify")
        return
    _verify_multisig(public_key, sig, sign_bytes)


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
