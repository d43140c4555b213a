"""A secp256k1 signer whose key never leaves AWS KMS (key spec ``ECC_SECG_P256K1``).

KMS returns DER-encoded ECDSA signatures with no recovery id and with either S; this signer
normalises to low-S and finds the recovery id by recovering the public key, so its results are
the same ``RecoverableSignature`` a local key gives (Ethereum EIP-712 and Pocket amino JSON).
The IAM principal needs ``kms:GetPublicKey`` and ``kms:Sign`` on the key.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

from wpokt_node.errors import KeyMaterialError, SigningError
from wpokt_node.keys.signer import (
    SECP256K1_N,
    RecoverableSignature,
    eth_address_of,
    normalize_low_s,
    recover_public_key,
)

KEY_SPEC = "ECC_SECG_P256K1"
KEY_USAGE = "SIGN_VERIFY"
SIGNING_ALGORITHM = "ECDSA_SHA_256"


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def public_key_from_spki(der: bytes) -> bytes:
    """The 33-byte compressed key of a DER SubjectPublicKeyInfo holding a secp256k1 key."""
    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError(f"KMS returned an unreadable public key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256K1):
        raise KeyMaterialError("KMS public key is not a secp256k1 key")
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def parse_der_signature(der: bytes) -> tuple[int, int]:
    """(r, s) of a DER ECDSA signature, both checked to lie in 1..n-1."""
    try:
        r, s = decode_dss_signature(der)
    except ValueError:
        raise SigningError("KMS returned a malformed DER signature") from None
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise SigningError("KMS returned a signature with r or s out of range")
    return r, s


def kms_client(region: str | None) -> Any:
    import boto3  # noqa: PLC0415 (boto3 is slow to import; only KMS users pay for it)

    return boto3.client("kms", region_name=region)


def kms_public_key(key_id: str, client: Any) -> bytes:
    """The key's compressed public key, after checking its spec and usage (``GetPublicKey``
    only: a process that only needs to know the key never holds a signing handle)."""
    if not key_id:
        raise KeyMaterialError("a KMS key id or ARN is required")
    try:
        response = client.get_public_key(KeyId=key_id)
    except Exception as exc:
        raise KeyMaterialError(
            f"KMS key {key_id}: GetPublicKey failed ({_error_code(exc)})"
        ) from None
    if not isinstance(response, dict):
        raise KeyMaterialError(f"KMS key {key_id}: GetPublicKey returned no response object")
    spec = response.get("KeySpec") or response.get("CustomerMasterKeySpec")
    if spec != KEY_SPEC:
        raise KeyMaterialError(f"KMS key {key_id} has key spec {spec}, expected {KEY_SPEC}")
    usage = response.get("KeyUsage")
    if usage != KEY_USAGE:
        raise KeyMaterialError(f"KMS key {key_id} has key usage {usage}, expected {KEY_USAGE}")
    algorithms = response.get("SigningAlgorithms") or [SIGNING_ALGORITHM]
    if not isinstance(algorithms, list) or SIGNING_ALGORITHM not in algorithms:
        raise KeyMaterialError(f"KMS key {key_id} does not offer {SIGNING_ALGORITHM}")
    der = response.get("PublicKey")
    if not isinstance(der, bytes | bytearray | memoryview):
        raise KeyMaterialError(f"KMS key {key_id}: GetPublicKey returned no public key bytes")
    try:
        return public_key_from_spki(bytes(der))
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"KMS key {key_id}: {exc}") from None


class KmsSigner:
    """``Secp256k1Signer`` backed by an AWS KMS asymmetric key.

    The key is checked at construction (spec, usage, public key); ``client`` is a boto3 KMS
    client, made from ``region`` and the default credential chain when not given.
    """

    __slots__ = ("_client", "_key_id", "_public_key")

    def __init__(self, key_id: str, region: str | None = None, client: Any = None) -> None:
        if client is None:
            client = kms_client(region)
        self._client = client
        self._key_id = key_id
        self._public_key = kms_public_key(key_id, client)

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign_digest(self, digest: bytes) -> RecoverableSignature:
        if len(digest) != 32:
            raise SigningError("only 32-byte digests are signed")
        try:
            response = self._client.sign(
                KeyId=self._key_id,
                Message=bytes(digest),
                MessageType="DIGEST",
                SigningAlgorithm=SIGNING_ALGORITHM,
            )
        except Exception as exc:
            raise SigningError(
                f"KMS key {self._key_id}: Sign failed ({_error_code(exc)})"
            ) from None
        der = response.get("Signature") if isinstance(response, dict) else None
        if not isinstance(der, bytes | bytearray | memoryview):
            raise SigningError(f"KMS key {self._key_id}: Sign returned no signature bytes")
        try:
            r, s = parse_der_signature(bytes(der))
        except SigningError as exc:
            raise SigningError(f"KMS key {self._key_id}: {exc}") from None
        for recovery_id in (0, 1):
            candidate = normalize_low_s(r, s, recovery_id)
            try:
                recovered = recover_public_key(digest, candidate)
            except SigningError:
                continue
            if recovered == self._public_key:
                return candidate
        raise SigningError(f"KMS key {self._key_id} returned a signature that is not by its key")

    def __repr__(self) -> str:
        return f"KmsSigner(key_id={self._key_id!r}, eth={eth_address_of(self._public_key)})"
