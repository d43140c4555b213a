"""Vault address derivation against published vectors."""

from __future__ import annotations

import base64
import random

import pytest

from wpokt_node import bech32
from wpokt_node.addresses import address_from_bytes
from wpokt_node.errors import ValidationError
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.pokt.multisig import (
    MultisigPubKey,
    bit_array_bits,
    compact_bit_array,
    vault_address,
)

pytestmark = pytest.mark.pokt


def _amino_secp256k1(bech32_pubkey: str) -> bytes:
    """A ``wasmpub1…`` bech32 amino pubkey (eb5ae987 21 <33 bytes>) -> the 33-byte key."""
    _, data = bech32.decode(bech32_pubkey)
    assert data[:5] == bytes.fromhex("eb5ae98721")
    return data[5:]


# cosmos/cosmjs packages/amino/src/testutils.spec.ts (keys made with `wasmd keys add`).
TEST1 = _amino_secp256k1(
    "wasmpub1addwnpepqwxttx8w2sfs6d8cuzqcuau84grp8xsw95qzdjkmvc44tnckskdxw3zw2km"
)
TEST2 = _amino_secp256k1(
    "wasmpub1addwnpepq2gx7x7e29kge5a4ycunytyqr0u8ynql5h583s8r9wdads9m3v8ks6y0nhc"
)
TEST3 = _amino_secp256k1(
    "wasmpub1addwnpepq0xfx5vavxmgdkn0p6x0l9p3udttghu3qcldd7ql08wa3xy93qq0xuzvtxc"
)
TESTGROUP1_BECH32 = (
    "wasmpub1ytql0csgqgfzd666axrjzquvkkvwu4qnp5603cyp3emc02sxzwdqutgqym9dke3t2h83dpv6vufzd666"
    "axrjzq5sdudaj5tv3nfm2f3exgkgqxlcwfxplf0g0rqwx2um6mqthzc0dqfzd666axrjzq7vjdge6cdksmdx7r5vl72"
    "rrc6kk30ezp376mup77wamzvgtzqq7v7aysdd"
)
TESTGROUP3_BECH32 = (
    "wasmpub1ytql0csgqgfzd666axrjzquvkkvwu4qnp5603cyp3emc02sxzwdqutgqym9dke3t2h83dpv6vufzd666"
    "axrjzq7vjdge6cdksmdx7r5vl72rrc6kk30ezp376mup77wamzvgtzqq7vzjhugu"
)
TESTGROUP4_BECH32 = (
    "wasmpub1ytql0csgqgfzd666axrjzq7vjdge6cdksmdx7r5vl72rrc6kk30ezp376mup77wamzvgtzqq7vfzd666"
    "axrjzquvkkvwu4qnp5603cyp3emc02sxzwdqutgqym9dke3t2h83dpv6vujvg56k"
)

# cosmos/cosmjs scripts/simapp50/README.md: the faucet's first five keys and the 1/5, 2/5 and
# 3/5 multisig accounts of them (also packages/stargate/src/multisignature.spec.ts).
FAUCET_PUBKEYS = [
    base64.b64decode(k)
    for k in (
        "A08EGB7ro1ORuFhjOnZcSgwYlpe0DSFjVNUIkNNQxwKQ",
        "AiDosfIbBi54XJ1QjCeApumcy/FjdtF+YhywPf3DKTx7",
        "AzQg33JZqH7vSsm09esZY5bZvmzYwE/SY78cA0iLxpD7",
        "A3gOAlB6aiRTCPvWMQg2+ZbGYNsLd8qlvV28m8p2UhY2",
        "Aum2063ub/ErUnIUB36sK55LktGUStgcbSiaAnL1wadu",
    )
]
FAUCET_MULTISIGS = {
    1: "cosmos1v75snhly7wfndk83ud4daygh397vcmkta8rlzq",
    2: "cosmos1h90ml36rcu7yegwduzgzderj2jmq49hcpfclw9",
    3: "cosmos1d2mg2euvus3tu2tprfwrfzeal4xu7kygugjxjc",
}


def test_amino_encoding_matches_cosmjs_bech32_pubkeys() -> None:
    group1 = MultisigPubKey.create(2, [TEST1, TEST2, TEST3])
    assert bech32.encode("wasmpub", group1.amino_bytes()) == TESTGROUP1_BECH32
    group3 = MultisigPubKey.create(2, [TEST3, TEST1])
    assert bech32.encode("wasmpub", group3.amino_bytes()) == TESTGROUP3_BECH32


def test_unsorted_order_is_a_different_key() -> None:
    # testgroup4 is `--nosort`: our sorted default differs; create(sort=False) reproduces it.
    nosort = MultisigPubKey.create(2, [TEST3, TEST1], sort=False)
    assert bech32.encode("wasmpub", nosort.amino_bytes()) == TESTGROUP4_BECH32
    assert nosort.address() != MultisigPubKey.create(2, [TEST3, TEST1]).address()


def test_address_matches_cosmjs_addresses_spec() -> None:
    # cosmos/cosmjs packages/amino/src/addresses.spec.ts "works for multisig"
    group1 = MultisigPubKey.create(2, [TEST1, TEST2, TEST3])
    assert group1.raw_address().hex() == "0892a77fab2fa7e192c3b7b2741e6682f3abb72f"
    assert (
        bech32.encode("wasm", group1.raw_address()) == "wasm1pzf2wlat97n7rykrk7e8g8nxste6hde0r8jqsy"
    )
    assert group1.address() == address_from_bytes(group1.raw_address())
    assert group1.address().startswith("pokt1")


@pytest.mark.parametrize(("threshold", "expected"), sorted(FAUCET_MULTISIGS.items()))
def test_five_key_simapp_multisigs_in_any_input_order(threshold: int, expected: str) -> None:
    keys = list(FAUCET_PUBKEYS)
    for seed in range(3):
        random.Random(seed).shuffle(keys)
        multisig = MultisigPubKey.create(threshold, keys)
        assert bech32.encode("cosmos", multisig.raw_address()) == expected


def test_vault_address_from_config_hex_keys() -> None:
    keys_hex = [k.hex() for k in FAUCET_PUBKEYS]
    expected = address_from_bytes(bech32.decode(FAUCET_MULTISIGS[3])[1])
    assert vault_address(3, keys_hex) == expected
    assert vault_address(3, ["0x" + k.upper() for k in reversed(keys_hex)]) == expected


def test_nine_of_twelve_vault_is_stable_and_threshold_sensitive() -> None:
    keys = [LocalKeySigner(bytes([i + 1]) * 32).public_key for i in range(12)]
    vault = MultisigPubKey.create(9, keys)
    assert vault.size == 12
    assert vault.address() == MultisigPubKey.create(9, list(reversed(keys))).address()
    assert vault.address() != MultisigPubKey.create(8, keys).address()
    assert len(vault.amino_bytes()) == 4 + 2 + 12 * (2 + 38)
    assert MultisigPubKey.from_any(vault.to_any()) == vault


@pytest.mark.parametrize(
    ("threshold", "keys"),
    [
        (4, [TEST1, TEST2, TEST3]),
        (0, [TEST1, TEST2, TEST3]),
        (1, []),
        (2, [TEST1, TEST1, TEST2]),
        (1, [b"\x02" + b"\x00" * 32]),
    ],
)
def test_bad_multisig_inputs_rejected(threshold: int, keys: list[bytes]) -> None:
    with pytest.raises(ValidationError):
        MultisigPubKey.create(threshold, keys)


# cosmos/cosmjs packages/stargate/src/multisignature.spec.ts makeCompactBitArray
@pytest.mark.parametrize(
    ("bits", "elems", "extra"),
    [
        ([], b"", 0),
        ([False], b"\x00", 1),
        ([True] * 8, b"\xff", 0),
        ([True] * 9, b"\xff\x80", 1),
        ([True] * 10, b"\xff\xc0", 2),
        ([False] * 9 + [True], b"\x00\x40", 2),
        ([False] * 7 + [True, False, False], b"\x01\x00", 2),
        ([True] + [False] * 9, b"\x80\x00", 2),
    ],
)
def test_compact_bit_array_matches_cosmjs(bits: list[bool], elems: bytes, extra: int) -> None:
    array = compact_bit_array(bits)
    assert bytes(array.elems) == elems
    assert array.extra_bits_stored == extra
    assert bit_array_bits(array) == bits
