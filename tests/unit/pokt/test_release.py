"""9-of-12 vault releases: signing, assembly and the chain's checks (in-process verifier)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import ecdsa
import pytest
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2
from ecdsa.util import sigdecode_string

from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.keys.signer import SECP256K1_N, LocalKeySigner, pokt_address_of
from wpokt_node.pokt.multisig import MULTISIG_PUBKEY_TYPE_URL, MultisigPubKey
from wpokt_node.pokt.multisig_tx import assemble_multisig_tx
from wpokt_node.pokt.release_memo import burn_release_memo, refund_release_memo
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc, sign_release
from wpokt_node.pokt.tx_encoding import SIGN_MODE_LEGACY_AMINO_JSON
from wpokt_node.pokt.tx_verify import (
    CODE_INVALID_PUBKEY,
    CODE_TOO_MANY_SIGNATURES,
    CODE_UNAUTHORIZED,
    CODE_WRONG_SEQUENCE,
    TxRejectedError,
    verify_multisig_tx,
)

pytestmark = pytest.mark.pokt

SIGNERS = [LocalKeySigner(hashlib.sha256(b"wpokt-test-node-%d" % i).digest()) for i in range(12)]
VAULT = MultisigPubKey.create(9, [s.public_key for s in SIGNERS])
RECIPIENT = pokt_address_of(LocalKeySigner(b"\x07" * 32).public_key)
ETH_BURN_TX = "0x" + "5a" * 32


def _spec(**overrides: object) -> ReleaseSpec:
    fields: dict[str, object] = {
        "chain_id": "pocket",
        "account_number": 17,
        "sequence": 4,
        "vault_address": VAULT.address(),
        "recipient": RECIPIENT,
        "amount": 2_500_000,
        "memo": burn_release_memo(ETH_BURN_TX, 3),
        "fee_amount": 20_000,
        "gas_limit": 400_000,
    }
    fields.update(overrides)
    return ReleaseSpec(**fields)  # type: ignore[arg-type]


def _signatures(spec: ReleaseSpec, signers: list[LocalKeySigner]) -> dict[bytes, bytes]:
    doc = build_release_sign_doc(spec)
    return {s.public_key: sign_release(s, doc) for s in signers}


def _verify(tx_bytes: bytes, **overrides: object) -> ReleaseSpec:
    kwargs: dict[str, object] = {
        "multisig": VAULT,
        "chain_id": "pocket",
        "account_number": 17,
        "sequence": 4,
    }
    kwargs.update(overrides)
    return verify_multisig_tx(tx_bytes, **kwargs)  # type: ignore[arg-type]


def _reencode(tx_bytes: bytes, signatures: list[bytes], bits: list[bool] | None = None) -> bytes:
    """Rebuild a TxRaw with other member signatures (and optionally another bit array)."""
    from wpokt_node.pokt.multisig import compact_bit_array

    raw = tx_pb2.TxRaw()
    raw.ParseFromString(tx_bytes)
    if bits is not None:
        auth_info = tx_pb2.AuthInfo()
        auth_info.ParseFromString(raw.auth_info_bytes)
        multi = auth_info.signer_infos[0].mode_info.multi
        multi.bitarray.CopyFrom(compact_bit_array(bits))
        del multi.mode_infos[:]
        single = tx_pb2.ModeInfo(single=tx_pb2.ModeInfo.Single(mode=SIGN_MODE_LEGACY_AMINO_JSON))
        multi.mode_infos.extend([single] * sum(bits))
        raw.auth_info_bytes = auth_info.SerializeToString()
    raw.signatures[0] = multisig_pb2.MultiSignature(signatures=signatures).SerializeToString()
    return bytes(raw.SerializeToString())


def test_nine_of_twelve_release_verifies_independently() -> None:
    spec = _spec()
    assembled = assemble_multisig_tx(spec, VAULT, _signatures(spec, SIGNERS), tx_sig_limit=12)
    assert assembled.tx_hash == hashlib.sha256(assembled.tx_bytes).hexdigest().upper()
    assert assembled.signer_indices == tuple(range(9))

    # Decode with the protobuf classes alone and check the signatures with python-ecdsa, an
    # implementation independent of the signer's libsecp256k1.
    raw = tx_pb2.TxRaw()
    raw.ParseFromString(assembled.tx_bytes)
    body = tx_pb2.TxBody()
    body.ParseFromString(raw.body_bytes)
    auth_info = tx_pb2.AuthInfo()
    auth_info.ParseFromString(raw.auth_info_bytes)
    msg = bank_tx_pb2.MsgSend()
    msg.ParseFromString(body.messages[0].value)
    assert (msg.from_address, msg.to_address) == (VAULT.address(), RECIPIENT)
    assert [(c.denom, c.amount) for c in msg.amount] == [("upokt", "2500000")]
    assert body.memo == f"burn:{ETH_BURN_TX}:3"
    signer_info = auth_info.signer_infos[0]
    assert signer_info.public_key.type_url == MULTISIG_PUBKEY_TYPE_URL
    assert signer_info.sequence == 4
    assert auth_info.fee.gas_limit == 400_000
    multi = signer_info.mode_info.multi
    assert multi.bitarray.extra_bits_stored == 4
    assert bytes(multi.bitarray.elems) == b"\xff\x80"
    assert [m.single.mode for m in multi.mode_infos] == [SIGN_MODE_LEGACY_AMINO_JSON] * 9
    signatures = multisig_pb2.MultiSignature()
    signatures.ParseFromString(raw.signatures[0])
    assert len(signatures.signatures) == 9
    sign_doc = build_release_sign_doc(spec)
    for pubkey, signature in zip(VAULT.public_keys[:9], signatures.signatures, strict=True):
        key = ecdsa.VerifyingKey.from_string(pubkey, curve=ecdsa.SECP256k1)
        assert key.verify(signature, sign_doc, hashfunc=hashlib.sha256, sigdecode=sigdecode_string)
        assert int.from_bytes(signature[32:], "big") <= SECP256K1_N // 2

    assert _verify(assembled.tx_bytes, tx_sig_limit=12) == spec


def test_assembly_is_deterministic_and_skips_missing_members() -> None:
    spec = _spec()
    chosen = [SIGNERS[i] for i in (11, 0, 5, 3, 9, 2, 7, 1, 10, 6)]
    signatures = _signatures(spec, chosen)
    first = assemble_multisig_tx(spec, VAULT, signatures)
    second = assemble_multisig_tx(spec, VAULT, dict(reversed(list(signatures.items()))))
    assert first == second
    expected = sorted(VAULT.index_of(s.public_key) for s in chosen)[:9]  # type: ignore[type-var]
    assert list(first.signer_indices) == expected


def test_eight_signatures_are_refused() -> None:
    spec = _spec()
    with pytest.raises(SigningError, match="needs 9 valid signatures, has 8"):
        assemble_multisig_tx(spec, VAULT, _signatures(spec, SIGNERS[:8]))


def test_eight_signatures_in_a_tx_are_rejected() -> None:
    spec = _spec()
    good = assemble_multisig_tx(spec, VAULT, _signatures(spec, SIGNERS[:9]))
    signatures = multisig_pb2.MultiSignature()
    raw = tx_pb2.TxRaw()
    raw.ParseFromString(good.tx_bytes)
    signatures.ParseFromString(raw.signatures[0])
    eight = _reencode(good.tx_bytes, list(signatures.signatures)[:8], [True] * 8 + [False] * 4)
    with pytest.raises(TxRejectedError) as caught:
        _verify(eight)
    assert caught.value.code == CODE_UNAUTHORIZED


def _tampered(signature: bytes) -> bytes:
    return signature[:10] + bytes([signature[10] ^ 1]) + signature[11:]


def test_tampered_signature_is_dropped_or_rejected() -> None:
    spec = _spec()
    signatures = _signatures(spec, SIGNERS[:9])
    victim = VAULT.public_keys[0]
    signatures[victim] = _tampered(signatures[victim])
    with pytest.raises(SigningError, match="has 8"):
        assemble_multisig_tx(spec, VAULT, signatures)
    signatures.update(_signatures(spec, SIGNERS[9:10]))
    assembled = assemble_multisig_tx(spec, VAULT, signatures)
    assert 0 not in assembled.signer_indices

    raw = tx_pb2.TxRaw()
    raw.ParseFromString(assembled.tx_bytes)
    multi = multisig_pb2.MultiSignature()
    multi.ParseFromString(raw.signatures[0])
    sigs = list(multi.signatures)
    sigs[4] = _tampered(sigs[4])
    with pytest.raises(TxRejectedError) as caught:
        _verify(_reencode(assembled.tx_bytes, sigs))
    assert caught.value.code == CODE_UNAUTHORIZED


def test_high_s_and_foreign_signatures_are_dropped() -> None:
    spec = _spec()
    signatures = _signatures(spec, SIGNERS[:9])
    member = VAULT.public_keys[3]
    sig = signatures[member]
    high_s = sig[:32] + (SECP256K1_N - int.from_bytes(sig[32:], "big")).to_bytes(32, "big")
    signatures[member] = high_s
    outsider = LocalKeySigner(b"\x09" * 32)
    signatures[outsider.public_key] = sign_release(outsider, build_release_sign_doc(spec))
    with pytest.raises(SigningError, match="has 8"):
        assemble_multisig_tx(spec, VAULT, signatures)


@pytest.mark.parametrize(
    ("signed_with", "verify_with", "code"),
    [
        ({"chain_id": "pocket-beta"}, {}, CODE_UNAUTHORIZED),
        ({"account_number": 18}, {}, CODE_UNAUTHORIZED),
        ({}, {"account_number": 16}, CODE_UNAUTHORIZED),
        ({}, {"chain_id": "other"}, CODE_UNAUTHORIZED),
        ({"sequence": 5}, {}, CODE_WRONG_SEQUENCE),
        ({}, {"sequence": 3}, CODE_WRONG_SEQUENCE),
        ({}, {"tx_sig_limit": 7}, CODE_TOO_MANY_SIGNATURES),
    ],
)
def test_wrong_context_is_rejected_with_sdk_code(
    signed_with: Mapping[str, object], verify_with: Mapping[str, object], code: int
) -> None:
    spec = _spec(**signed_with)
    assembled = assemble_multisig_tx(spec, VAULT, _signatures(spec, SIGNERS[:9]))
    with pytest.raises(TxRejectedError) as caught:
        _verify(assembled.tx_bytes, **verify_with)
    assert caught.value.code == code


def test_signatures_over_another_sequence_fail_verification() -> None:
    """The tx claims the right sequence but its members signed another one."""
    right = _spec()
    stale = _spec(sequence=3)
    good = assemble_multisig_tx(right, VAULT, _signatures(right, SIGNERS[:9]))
    stale_sigs = [
        s
        for _, s in sorted(
            (VAULT.index_of(k), v) for k, v in _signatures(stale, SIGNERS[:9]).items()
        )
    ]
    with pytest.raises(TxRejectedError) as caught:
        _verify(_reencode(good.tx_bytes, stale_sigs))
    assert caught.value.code == CODE_UNAUTHORIZED


def test_twelve_key_vault_over_tx_sig_limit_is_refused_at_assembly() -> None:
    spec = _spec()
    with pytest.raises(TxRejectedError) as caught:
        assemble_multisig_tx(spec, VAULT, _signatures(spec, SIGNERS), tx_sig_limit=7)
    assert caught.value.code == CODE_TOO_MANY_SIGNATURES
    assert "limit: 7" in str(caught.value)


def test_other_multisig_is_rejected() -> None:
    spec = _spec()
    assembled = assemble_multisig_tx(spec, VAULT, _signatures(spec, SIGNERS[:9]))
    stranger = LocalKeySigner(b"\x11" * 32).public_key
    other = MultisigPubKey.create(9, [s.public_key for s in SIGNERS[:11]] + [stranger])
    with pytest.raises(TxRejectedError) as caught:
        _verify(assembled.tx_bytes, multisig=other)
    assert caught.value.code == CODE_INVALID_PUBKEY


def test_assembly_refuses_a_spec_for_another_vault() -> None:
    spec = _spec(vault_address=RECIPIENT, recipient=VAULT.address())
    with pytest.raises(SigningError, match="vault address"):
        assemble_multisig_tx(spec, VAULT, {})


@pytest.mark.parametrize("garbage", [b"", b"\xff\xff\xff", b"\x0a\x05hello"])
def test_garbage_bytes_are_rejected(garbage: bytes) -> None:
    with pytest.raises(TxRejectedError):
        _verify(garbage)


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": 0},
        {"memo": "burn:\n"},
        {"memo": "x" * 257},
        {"recipient": "pokt1invalid"},
        {"chain_id": ""},
        {"sequence": -1},
        {"gas_limit": 0},
    ],
)
def test_release_spec_validation(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _spec(**overrides)


def test_release_memos() -> None:
    assert burn_release_memo("0x" + "AB" * 32, 0) == "burn:0x" + "ab" * 32 + ":0"
    assert refund_release_memo(" " + "cd" * 32) == "refund:" + "CD" * 32
    for bad in ("0x1234", "ab" * 32):
        with pytest.raises(ValidationError):
            burn_release_memo(bad, 1)
    with pytest.raises(ValidationError):
        burn_release_memo(ETH_BURN_TX, -1)
    with pytest.raises(ValidationError):
        refund_release_memo("zz" * 32)
