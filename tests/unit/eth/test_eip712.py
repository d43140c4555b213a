"""EIP-712 MintData digests and signatures, cross-checked with eth_account."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from wpokt_node.errors import KeyMaterialError, SigningError, ValidationError
from wpokt_node.eth.eip712 import (
    MintData,
    mint_data_digest,
    recover_mint_signer,
    select_mint_signatures,
    sign_mint_data,
    sort_signatures_by_signer,
    verify_mint_signature,
)
from wpokt_node.keys.signer import SECP256K1_N, LocalKeySigner, eth_address_of

pytestmark = pytest.mark.eth

CONTROLLER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SIGNERS = [LocalKeySigner(keccak(text=f"unit-validator-{i}")) for i in range(12)]
ADDRESSES = [eth_address_of(s.public_key) for s in SIGNERS]


def _eth_account_digest(
    chain_id: int, contract: str, recipient: str, amount: int, nonce: int
) -> bytes:
    message = encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "MintData": [
                    {"name": "recipient", "type": "address"},
                    {"name": "amount", "type": "uint256"},
                    {"name": "nonce", "type": "uint256"},
                ],
            },
            "primaryType": "MintData",
            "domain": {
                "name": "MintController",
                "version": "1",
                "chainId": chain_id,
                "verifyingContract": contract,
            },
            "message": {"recipient": recipient, "amount": amount, "nonce": nonce},
        }
    )
    return bytes(_hash_eip191_message(message))


@settings(max_examples=40, deadline=None)
@given(
    chain_id=st.integers(1, 2**64),
    recipient=st.binary(min_size=20, max_size=20),
    amount=st.integers(0, 2**256 - 1),
    nonce=st.integers(0, 2**256 - 1),
)
def test_digest_equals_eth_account(
    chain_id: int, recipient: bytes, amount: int, nonce: int
) -> None:
    address = "0x" + recipient.hex()  # lower case in, checksummed for eth_account
    expected = _eth_account_digest(
        chain_id, CONTROLLER, str(to_checksum_address(address)), amount, nonce
    )
    assert mint_data_digest(chain_id, CONTROLLER, address, amount, nonce) == expected


def test_sign_and_recover_round_trip_matches_eth_account() -> None:
    signer = SIGNERS[0]
    recipient = "0x00000000000000000000000000000000000000c1"
    signature = sign_mint_data(signer, 1, CONTROLLER, recipient, 10, 1)
    digest = mint_data_digest(1, CONTROLLER, recipient, 10, 1)
    assert len(signature) == 65
    assert signature[64] in (27, 28)
    assert recover_mint_signer(digest, signature) == ADDRESSES[0]
    assert Account._recover_hash(digest, signature=signature) == ADDRESSES[0]
    verify_mint_signature(digest, signature, ADDRESSES[0].lower())
    with pytest.raises(SigningError, match="expected"):
        verify_mint_signature(digest, signature, ADDRESSES[1])
    other = mint_data_digest(1, CONTROLLER, recipient, 11, 1)
    assert recover_mint_signer(other, signature) != ADDRESSES[0]


def test_signatures_sorted_by_signer_address() -> None:
    digest = mint_data_digest(1, CONTROLLER, CONTROLLER, 5, 1)
    sigs = [s.sign_digest(digest).eth_bytes() for s in SIGNERS]
    ordered = sort_signatures_by_signer(digest, reversed(sigs))
    signers = [int(recover_mint_signer(digest, s), 16) for s in ordered]
    assert signers == sorted(signers)
    assert sorted(ordered) == sorted(sigs)


def test_select_drops_bad_duplicate_and_outsider_signatures() -> None:
    digest = mint_data_digest(1, CONTROLLER, CONTROLLER, 5, 1)
    good = [s.sign_digest(digest).eth_bytes() for s in SIGNERS[:9]]
    outsider = LocalKeySigner(keccak(text="outsider")).sign_digest(digest).eth_bytes()
    garbage = b"\x01" * 65
    chosen = select_mint_signatures(
        digest, [outsider, good[0], *good, garbage, b"short"], ADDRESSES, threshold=9
    )
    assert chosen == sort_signatures_by_signer(digest, good)
    with pytest.raises(SigningError, match="only 8 distinct validator signatures, threshold is 9"):
        select_mint_signatures(digest, [*good[:8], good[0], outsider], ADDRESSES, threshold=9)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (b"\x00" * 64, "65 bytes"),
        (b"\x01" * 64 + b"\x1d", "recovery byte"),
        (b"\x01" * 32 + (SECP256K1_N - 1).to_bytes(32, "big") + b"\x1b", "low-S"),
        (b"\x00" * 64 + b"\x1b", "low-S"),
    ],
)
def test_malformed_signatures_are_rejected(signature: bytes, message: str) -> None:
    with pytest.raises(SigningError, match=message):
        recover_mint_signer(b"\x11" * 32, signature)


def test_invalid_mint_data_is_rejected() -> None:
    with pytest.raises(ValidationError, match="recipient"):
        MintData("0x1234", 1, 1)
    with pytest.raises(ValidationError, match="amount"):
        MintData(CONTROLLER, -1, 1)
    with pytest.raises(ValidationError, match="nonce"):
        MintData(CONTROLLER, 1, 2**256)
    with pytest.raises(ValidationError, match="chain id"):
        mint_data_digest(0, CONTROLLER, CONTROLLER, 1, 1)


@pytest.mark.parametrize("bad", ["zz" * 32, "0x1234", "00" * 32, "ff" * 32])
def test_malformed_keys_never_echo_the_key(bad: str) -> None:
    with pytest.raises(KeyMaterialError) as info:
        LocalKeySigner.from_hex(bad)
    assert bad.removeprefix("0x") not in str(info.value)
    assert "value not shown" in str(info.value) or "32 bytes" in str(info.value)
