"""Deposit memo parsing: table of cases plus property tests (it never raises)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wpokt_node.pokt.memo import MemoResult, RefundReason, parse_deposit_memo

pytestmark = pytest.mark.pokt

CHAIN_ID = 1
ADDRESS = "0xc0ffee254729296a45a3885639AC7E10F9d54979"
CHECKSUMMED = "0xc0ffee254729296a45a3885639AC7E10F9d54979"


def _memo(**fields: object) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize(
    ("memo", "expected"),
    [
        (_memo(address=ADDRESS, chain_id="1"), MemoResult.valid(CHECKSUMMED)),
        (_memo(address=ADDRESS.lower(), chain_id="1"), MemoResult.valid(CHECKSUMMED)),
        ("0x" + ADDRESS[2:].upper(), MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        (
            '  {"chain_id":"1","address":"0x' + ADDRESS[2:].upper() + '"}\n',
            MemoResult.valid(CHECKSUMMED),
        ),
        (_memo(address=" " + ADDRESS + " ", chain_id=" 1 "), MemoResult.valid(CHECKSUMMED)),
        # mixed case is a checksum: one flipped letter is a typo, refunded (EIP-55)
        (
            _memo(address=ADDRESS.replace("AC7E", "Ac7E"), chain_id="1"),
            MemoResult.invalid(RefundReason.MEMO_BAD_CHECKSUM),
        ),
        ("", MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        ("not json", MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        ('{"address": "0x1",', MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        ("[1, 2]", MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        ('"' + ADDRESS + '"', MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        ("NaN", MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        (
            '{"address":"' + ADDRESS + '","address":"' + ADDRESS + '","chain_id":"1"}',
            MemoResult.invalid(RefundReason.MEMO_NOT_JSON),
        ),
        (
            _memo(address=ADDRESS, chain_id="1", note="hi"),
            MemoResult.invalid(RefundReason.MEMO_UNKNOWN_KEYS),
        ),
        (_memo(ADDRESS=ADDRESS, chain_id="1"), MemoResult.invalid(RefundReason.MEMO_UNKNOWN_KEYS)),
        (_memo(chain_id="1"), MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS)),
        (
            _memo(address=ADDRESS[2:], chain_id="1"),
            MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS),
        ),
        (
            _memo(address=ADDRESS + "00", chain_id="1"),
            MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS),
        ),
        (
            _memo(address="0x" + "g" * 40, chain_id="1"),
            MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS),
        ),
        (
            _memo(address="0X" + ADDRESS[2:], chain_id="1"),
            MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS),
        ),
        (_memo(address=123, chain_id="1"), MemoResult.invalid(RefundReason.MEMO_BAD_ADDRESS)),
        (
            _memo(address="0x" + "0" * 40, chain_id="1"),
            MemoResult.invalid(RefundReason.MEMO_ZERO_ADDRESS),
        ),
        (
            _memo(address=ADDRESS, chain_id="5"),
            MemoResult.invalid(RefundReason.MEMO_WRONG_CHAIN_ID),
        ),
        (_memo(address=ADDRESS, chain_id=1), MemoResult.invalid(RefundReason.MEMO_WRONG_CHAIN_ID)),
        (_memo(address=ADDRESS), MemoResult.invalid(RefundReason.MEMO_WRONG_CHAIN_ID)),
        (
            _memo(address=ADDRESS, chain_id="01"),
            MemoResult.invalid(RefundReason.MEMO_WRONG_CHAIN_ID),
        ),
        (
            _memo(address=ADDRESS, chain_id="1") + " " * 200,
            MemoResult.invalid(RefundReason.MEMO_TOO_LONG),
        ),
        (None, MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
        ("[" * 200 + "]" * 56, MemoResult.invalid(RefundReason.MEMO_NOT_JSON)),
    ],
)
def test_memo_table(memo: object, expected: MemoResult) -> None:
    assert parse_deposit_memo(memo, CHAIN_ID) == expected


def test_memo_at_limit_is_accepted() -> None:
    memo = _memo(address=ADDRESS, chain_id="1")
    padded = memo + " " * (256 - len(memo))
    assert len(padded) == 256
    assert parse_deposit_memo(padded, CHAIN_ID).ok
    assert not parse_deposit_memo(padded + " ", CHAIN_ID).ok


def test_chain_id_compared_as_string() -> None:
    memo = _memo(address=ADDRESS, chain_id="11155111")
    assert parse_deposit_memo(memo, 11155111).ok
    assert parse_deposit_memo(memo, "11155111").ok
    assert not parse_deposit_memo(memo, 1).ok


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(memo: str) -> None:
    result = parse_deposit_memo(memo, CHAIN_ID)
    assert result.ok == (result.reason is None)
    assert result.ok == (result.address is not None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["address", "chain_id", "Address", "extra"]), json_values, max_size=3
    )
)
def test_arbitrary_json_objects_never_raise(fields: dict[str, object]) -> None:
    result = parse_deposit_memo(json.dumps(fields), CHAIN_ID)
    if result.ok:
        assert set(fields) == {"address", "chain_id"}
        assert result.address is not None
        assert result.address.startswith("0x")


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=20, max_size=20).filter(any), st.booleans())
def test_any_nonzero_address_round_trips_checksummed(raw: bytes, upper: bool) -> None:
    hex_digits = raw.hex().upper() if upper else raw.hex()
    result = parse_deposit_memo(_memo(address="0x" + hex_digits, chain_id="1"), CHAIN_ID)
    assert result.ok
    assert result.address is not None
    assert result.address.lower() == "0x" + raw.hex()
