"""AWS KMS signer: key checks at start (moto), signing through the real KMS API model (Stubber).

moto 5 creates ``ECC_SECG_P256K1`` keys and serves GetPublicKey, but its Sign ignores
``MessageType=DIGEST`` (it hashes the digest again), so signing is tested with botocore's
Stubber answering with DER signatures made by a real secp256k1 key, high-S ones included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from moto import mock_aws

from wpokt_node.errors import KeyMaterialError, SigningError
from wpokt_node.eth.eip712 import mint_data_digest, recover_mint_signer
from wpokt_node.keys.kms import KmsSigner
from wpokt_node.keys.signer import (
    SECP256K1_HALF_N,
    SECP256K1_N,
    LocalKeySigner,
    eth_address_of,
    verify_digest,
)
from wpokt_node.pokt.amino_json import std_fee_amino, std_sign_bytes

pytestmark = pytest.mark.security

REGION = "us-east-1"
KEY_ID = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SIGN_ALGORITHMS = ["ECDSA_SHA_256"]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def moto_kms(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("kms", region_name=REGION)


def moto_key(client: Any, spec: str, usage: str = "SIGN_VERIFY") -> str:
    return str(client.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"])


def test_moto_secp256k1_key_is_accepted_with_its_public_key(moto_kms: Any) -> None:
    key_id = moto_key(moto_kms, "ECC_SECG_P256K1")
    signer = KmsSigner(key_id, region=REGION)
    spki = moto_kms.get_public_key(KeyId=key_id)["PublicKey"]
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    expected = load_der_public_key(spki).public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    assert signer.public_key == expected
    assert len(signer.public_key) == 33
    assert key_id in repr(signer)


def test_moto_wrong_key_spec_is_rejected_at_start(moto_kms: Any) -> None:
    key_id = moto_key(moto_kms, "ECC_NIST_P256")
    with pytest.raises(KeyMaterialError, match="key spec ECC_NIST_P256, expected ECC_SECG_P256K1"):
        KmsSigner(key_id, client=moto_kms)


def test_moto_symmetric_key_is_rejected_at_start(moto_kms: Any) -> None:
    key_id = moto_key(moto_kms, "SYMMETRIC_DEFAULT", usage="ENCRYPT_DECRYPT")
    with pytest.raises(KeyMaterialError, match="expected ECC_SECG_P256K1"):
        KmsSigner(key_id, client=moto_kms)


def test_moto_unknown_key_is_a_clear_error(moto_kms: Any) -> None:
    with pytest.raises(KeyMaterialError, match=r"GetPublicKey failed \(NotFoundException\)"):
        KmsSigner("11111111-2222-3333-4444-555555555555", client=moto_kms)


class FakeKmsKey:
    """A local secp256k1 key answering like KMS: SPKI public key, DER signatures."""

    def __init__(self, secret: int) -> None:
        self.key = ec.derive_private_key(secret, ec.SECP256K1())
        self.local = LocalKeySigner(secret.to_bytes(32, "big"))

    def spki(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    def der_signature(self, digest: bytes, *, high_s: bool) -> bytes:
        r, s = decode_dss_signature(self.key.sign(digest, ec.ECDSA(Prehashed(SHA256()))))
        low = min(s, SECP256K1_N - s)
        return encode_dss_signature(r, SECP256K1_N - low if high_s else low)


@pytest.fixture
def fake_key() -> FakeKmsKey:
    return FakeKmsKey(0x1F2E3D4C5B6A79880123456789ABCDEF0123456789ABCDEF0123456789ABCDEF)


def stubbed_signer(
    fake: FakeKmsKey,
    signatures: list[tuple[bytes, bytes]],
    *,
    spec: str = "ECC_SECG_P256K1",
    usage: str = "SIGN_VERIFY",
    sign_error: str | None = None,
) -> KmsSigner:
    client = boto3.client(
        "kms", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.add_response(
        "get_public_key",
        {
            "KeyId": KEY_ID,
            "PublicKey": fake.spki(),
            "KeySpec": spec,
            "KeyUsage": usage,
            "SigningAlgorithms": SIGN_ALGORITHMS,
        },
        {"KeyId": KEY_ID},
    )
    for digest, signature in signatures:
        stubber.add_response(
            "sign",
            {"KeyId": KEY_ID, "Signature": signature, "SigningAlgorithm": "ECDSA_SHA_256"},
            {
                "KeyId": KEY_ID,
                "Message": digest,
                "MessageType": "DIGEST",
                "SigningAlgorithm": "ECDSA_SHA_256",
            },
        )
    if sign_error is not None:
        stubber.add_client_error("sign", service_error_code=sign_error)
    stubber.activate()
    return KmsSigner(KEY_ID, client=client)


def mint_digest(nonce: int) -> bytes:
    return mint_data_digest(
        31337,
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        1_000_000 + nonce,
        nonce,
    )


@pytest.mark.parametrize("high_s", [False, True])
def test_eip712_signature_recovers_to_the_kms_key_address(
    fake_key: FakeKmsKey, high_s: bool
) -> None:
    digests = [mint_digest(n) for n in range(16)]
    signer = stubbed_signer(
        fake_key, [(d, fake_key.der_signature(d, high_s=high_s)) for d in digests]
    )
    assert signer.public_key == fake_key.local.public_key
    address = eth_address_of(signer.public_key)
    recovery_ids = set()
    for digest in digests:
        signature = signer.sign_digest(digest)
        assert signature.s <= SECP256K1_HALF_N
        recovery_ids.add(signature.recovery_id)
        assert recover_mint_signer(digest, signature.eth_bytes()) == address
        assert verify_digest(fake_key.local.public_key, digest, signature.rs_bytes())
    assert recovery_ids == {0, 1}  # both recovery ids were found across the digests


def test_pocket_sign_doc_signature_verifies_like_a_local_one(fake_key: FakeKmsKey) -> None:
    sign_doc = std_sign_bytes(
        chain_id="pocket",
        account_number=7,
        sequence=3,
        fee=std_fee_amino([], 400_000),
        msgs=[{"type": "cosmos-sdk/MsgSend", "value": {"amount": []}}],
        memo="wpokt burn 0xabc",
    )
    digest = hashlib.sha256(sign_doc).digest()
    signer = stubbed_signer(fake_key, [(digest, fake_key.der_signature(digest, high_s=True))])
    signature = signer.sign_digest(digest).rs_bytes()
    assert verify_digest(fake_key.local.public_key, digest, signature)
    local = fake_key.local.sign_digest(digest).rs_bytes()
    assert verify_digest(signer.public_key, digest, local)  # one verifier for both signers


def test_wrong_spec_through_the_api_model_is_rejected(fake_key: FakeKmsKey) -> None:
    with pytest.raises(KeyMaterialError, match="ECC_NIST_P256"):
        stubbed_signer(fake_key, [], spec="ECC_NIST_P256")


def test_wrong_usage_is_rejected(fake_key: FakeKmsKey) -> None:
    with pytest.raises(KeyMaterialError, match="key usage ENCRYPT_DECRYPT, expected SIGN_VERIFY"):
        stubbed_signer(fake_key, [], usage="ENCRYPT_DECRYPT")


def test_public_key_on_another_curve_is_rejected() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    client = boto3.client(
        "kms", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.add_response(
        "get_public_key",
        {
            "KeyId": KEY_ID,
            "PublicKey": p256.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
            "KeySpec": "ECC_SECG_P256K1",
            "KeyUsage": "SIGN_VERIFY",
        },
    )
    stubber.activate()
    with pytest.raises(KeyMaterialError, match="not a secp256k1 key"):
        KmsSigner(KEY_ID, client=client)


def test_signature_by_another_key_is_refused(fake_key: FakeKmsKey) -> None:
    digest = mint_digest(1)
    other = FakeKmsKey(12345)
    signer = stubbed_signer(fake_key, [(digest, other.der_signature(digest, high_s=False))])
    with pytest.raises(SigningError, match="not by its key"):
        signer.sign_digest(digest)


@pytest.mark.parametrize(
    "der",
    [b"\x30\x02\x01", encode_dss_signature(0, 5), encode_dss_signature(5, SECP256K1_N)],
)
def test_malformed_kms_signatures_are_refused(fake_key: FakeKmsKey, der: bytes) -> None:
    digest = mint_digest(2)
    signer = stubbed_signer(fake_key, [(digest, der)])
    with pytest.raises(SigningError, match="KMS returned"):
        signer.sign_digest(digest)


def test_kms_errors_become_signing_errors(fake_key: FakeKmsKey) -> None:
    signer = stubbed_signer(fake_key, [], sign_error="KMSInvalidStateException")
    with pytest.raises(SigningError, match=r"Sign failed \(KMSInvalidStateException\)"):
        signer.sign_digest(mint_digest(3))


def test_only_32_byte_digests_are_sent(fake_key: FakeKmsKey) -> None:
    signer = stubbed_signer(fake_key, [])
    with pytest.raises(SigningError, match="32-byte"):
        signer.sign_digest(b"\x00" * 31)


class _Replying:
    """A KMS client whose replies are whatever the test says (a proxy, a bug, a truncation)."""

    def __init__(self, public: object, signed: object) -> None:
        self.public, self.signed = public, signed

    def get_public_key(self, **_kwargs: object) -> object:
        return self.public

    def sign(self, **_kwargs: object) -> object:
        return self.signed


@pytest.mark.parametrize(
    "reply",
    [
        None,
        {},
        {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY"},
        {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY", "PublicKey": "not bytes"},
        {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY", "PublicKey": b"\x30\x01"},
        {
            "KeySpec": "ECC_SECG_P256K1",
            "KeyUsage": "SIGN_VERIFY",
            "SigningAlgorithms": "x",
            "PublicKey": b"",
        },
    ],
)
def test_a_malformed_public_key_reply_is_a_key_error_naming_the_key(reply: object) -> None:
    with pytest.raises(KeyMaterialError, match=r"^KMS key alias/node-07-eth[: ]"):
        KmsSigner("alias/node-07-eth", client=_Replying(reply, None))


@pytest.mark.parametrize(
    "reply", [None, {}, {"Signature": None}, {"Signature": "3045"}, {"Signature": b"\x30\x02"}]
)
def test_a_malformed_sign_reply_is_a_signing_error_naming_the_key(
    fake_key: FakeKmsKey, reply: object
) -> None:
    good = {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY", "PublicKey": fake_key.spki()}
    signer = KmsSigner("alias/node-07-eth", client=_Replying(good, reply))
    with pytest.raises(SigningError, match=r"^KMS key alias/node-07-eth: "):
        signer.sign_digest(bytes(32))
