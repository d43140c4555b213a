"""The simulator's own secp256k1 check and bech32, cross-checked against the node's code."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from wpokt_devnet.pokt_sim.addresses import (
    AddressError,
    address_from_bytes,
    address_from_secp256k1_pubkey,
    bech32_decode,
    normalize,
)
from wpokt_devnet.pokt_sim.verify import SECP256K1_N, BadSignatureError, secp256k1_verify
from wpokt_node import addresses as node_addresses
from wpokt_node.keys.signer import LocalKeySigner

MESSAGE = b"pocket simulator sign bytes"


def _signer(index: int) -> LocalKeySigner:
    return LocalKeySigner(hashlib.sha256(f"sim crypto {index}".encode()).digest())


def _sign(signer: LocalKeySigner, message: bytes = MESSAGE) -> bytes:
    return signer.sign_digest(hashlib.sha256(message).digest()).rs_bytes()


def test_a_low_s_signature_verifies() -> None:
    for index in range(8):
        signer = _signer(index)
        secp256k1_verify(signer.public_key, MESSAGE, _sign(signer))


def test_high_s_is_rejected_like_the_cosmos_sdk() -> None:
    signer = _signer(0)
    signature = _sign(signer)
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    high = r + (SECP256K1_N - s).to_bytes(32, "big")  # the same signature, malleated
    with pytest.raises(BadSignatureError, match="high S"):
        secp256k1_verify(signer.public_key, MESSAGE, high)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda sig: sig[:63],  # too short
        lambda sig: sig + b"\x00",  # too long
        lambda sig: bytes(32) + sig[32:],  # r = 0
        lambda sig: sig[:32] + bytes(32),  # s = 0
        lambda sig: sig[:31] + bytes([sig[31] ^ 1]) + sig[32:],  # another r
    ],
)
def test_malformed_or_wrong_signatures_are_rejected(mutate: Callable[[bytes], bytes]) -> None:
    signer = _signer(1)
    with pytest.raises(BadSignatureError):
        secp256k1_verify(signer.public_key, MESSAGE, mutate(_sign(signer)))


def test_a_signature_over_other_bytes_or_by_another_key_is_rejected() -> None:
    signer, other = _signer(2), _signer(3)
    with pytest.raises(BadSignatureError):
        secp256k1_verify(signer.public_key, MESSAGE + b"!", _sign(signer))
    with pytest.raises(BadSignatureError):
        secp256k1_verify(other.public_key, MESSAGE, _sign(signer))
    with pytest.raises(BadSignatureError, match="not a point"):
        secp256k1_verify(b"\x02" + bytes(32), MESSAGE, _sign(signer))


def test_addresses_agree_with_the_node() -> None:
    for index in range(8):
        key = _signer(index).public_key
        assert address_from_secp256k1_pubkey(key) == node_addresses.address_from_secp256k1_pubkey(
            key
        )
        raw = hashlib.sha256(bytes([index])).digest()[:20]
        assert address_from_bytes(raw) == node_addresses.address_from_bytes(raw)
        assert normalize(address_from_bytes(raw).upper()) == address_from_bytes(raw)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "pokt1",
        "pokt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "Pokt1abc",
        "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",
        "pokt1bad",
    ],
)
def test_bad_addresses_are_rejected(text: str) -> None:
    with pytest.raises(AddressError):
        normalize(text)


def test_bech32_round_trip_flags_a_changed_character() -> None:
    address = address_from_bytes(bytes(range(20)))
    assert bech32_decode(address) == ("pokt", bytes(range(20)))
    flipped = address[:-1] + ("q" if address[-1] != "q" else "p")
    with pytest.raises(AddressError, match="checksum"):
        bech32_decode(flipped)
