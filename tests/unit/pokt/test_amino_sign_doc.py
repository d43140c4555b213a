"""Amino JSON sign bytes, byte for byte against SDK/cosmjs/on-chain examples."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

from wpokt_node.addresses import address_from_bytes
from wpokt_node.errors import ValidationError
from wpokt_node.keys.signer import LocalKeySigner, verify_digest
from wpokt_node.pokt.amino_json import (
    Coin,
    msg_send_amino,
    sorted_json,
    std_fee_amino,
    std_sign_bytes,
)
from wpokt_node.pokt.release_memo import refund_release_memo
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc
from wpokt_node.pokt.tx_encoding import msg_send_tx_body

pytestmark = pytest.mark.pokt

SDK_ADDR = "cosmos1qperwt9wrnkg5k9e5gzfgjppzpqhyav5j24d66"


# cosmos/cosmos-sdk x/auth/migrations/legacytx/stdtx_test.go TestStdSignBytes (the test msg's
# sign bytes are the JSON array ["<addr>"]).
@pytest.mark.parametrize(
    ("timeout", "fee", "expected"),
    [
        (
            10,
            std_fee_amino([Coin("atom", 150)], 100000),
            '{"account_number":"3","chain_id":"1234","fee":{"amount":[{"amount":"150","denom":'
            '"atom"}],"gas":"100000"},"memo":"memo","msgs":[["%s"]],"sequence":"6",'
            '"timeout_height":"10"}',
        ),
        (
            0,
            std_fee_amino([Coin("atom", 150)], 100000),
            '{"account_number":"3","chain_id":"1234","fee":{"amount":[{"amount":"150","denom":'
            '"atom"}],"gas":"100000"},"memo":"memo","msgs":[["%s"]],"sequence":"6"}',
        ),
        (
            0,
            std_fee_amino([], 0),
            '{"account_number":"3","chain_id":"1234","fee":{"amount":[],"gas":"0"},"memo":"memo",'
            '"msgs":[["%s"]],"sequence":"6"}',
        ),
    ],
)
def test_std_sign_bytes_matches_sdk_vectors(timeout: int, fee: object, expected: str) -> None:
    got = std_sign_bytes(
        chain_id="1234",
        account_number=3,
        sequence=6,
        fee=fee,  # type: ignore[arg-type]
        msgs=[[SDK_ADDR]],
        memo="memo",
        timeout_height=timeout,
    )
    assert got == (expected % SDK_ADDR).encode()


# trustwallet/wallet-core tests/Cosmos/SignerTests.cpp SignTxJson: a MsgSend accepted on the
# gaia-13003 testnet (tx 3A9206598C3D2E75A5EC074FD33EA53EB18EC729357F0965971C1C51F812AEA3),
# signed in legacy amino JSON mode with RFC 6979 nonces.
TW_PRIVATE_KEY = "80e81ea269e66a0a05b11236df7919fb7fbeedba87452d667489d7403a02f005"
TW_PUBKEY = base64.b64decode("AlcobsPzfTNVe7uqAAsndErJAjqplnyudaGB0f+R+p3F")
TW_FROM = "cosmos1hsk6jryyqjfhp5dhc55tc9jtckygx0eph6dd02"
TW_TO = "cosmos1zt50azupanqlfam5afhv3hexwyutnukeh4c573"
TW_SIGNATURE = bytes.fromhex(
    "fc3ef899d206c88077fec42f21ba0b4df4bd3fd115fdf606ae01d9136fef363f"
    "57e9e33a7b9ec6ddab658cd07e3c0067470de94e4e75b979a1085a29f0efd926"
)
# Same file, SignTxProtobuf: the TxRaw of that transfer; its body bytes do not depend on the
# sign mode.
TW_TXRAW_HEX = (
    "0a8c010a89010a1c2f636f736d6f732e62616e6b2e763162657461312e4d736753656e6412690a2d636f736d6f"
    "733168736b366a727979716a6668703564686335357463396a74636b796778306570683664643032122d636f73"
    "6d6f73317a743530617a7570616e716c66616d356166687633686578777975746e756b656834633537331a090a"
    "046d756f6e12013112650a500a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b"
    "657912230a210257286ec3f37d33557bbbaa000b27744ac9023aa9967cae75a181d1ff91fa9dc512040a020801"
    "180812110a0b0a046d756f6e120332303010c09a0c1a40f9e1f4001657a42009c4eb6859625d2e41e961fc72ef"
    "d2842909c898e439fc1f549916e4ecac676ee353c7d54c5ae30a29b4210b8bff0ebfdcb375e105002f47"
)


def _tw_sign_doc() -> bytes:
    return std_sign_bytes(
        chain_id="gaia-13003",
        account_number=1037,
        sequence=8,
        fee=std_fee_amino([Coin("muon", 200)], 200000),
        msgs=[msg_send_amino(TW_FROM, TW_TO, [Coin("muon", 1)])],
        memo="",
    )


def test_msg_send_sign_doc_reproduces_an_on_chain_signature() -> None:
    doc = _tw_sign_doc()
    assert doc == (
        b'{"account_number":"1037","chain_id":"gaia-13003","fee":{"amount":[{"amount":"200",'
        b'"denom":"muon"}],"gas":"200000"},"memo":"","msgs":[{"type":"cosmos-sdk/MsgSend",'
        b'"value":{"amount":[{"amount":"1","denom":"muon"}],"from_address":"'
        + TW_FROM.encode()
        + b'","to_address":"'
        + TW_TO.encode()
        + b'"}}],"sequence":"8"}'
    )
    digest = hashlib.sha256(doc).digest()
    assert verify_digest(TW_PUBKEY, digest, TW_SIGNATURE)
    signer = LocalKeySigner.from_hex(TW_PRIVATE_KEY)
    assert signer.public_key == TW_PUBKEY
    assert signer.sign_digest(digest).rs_bytes() == TW_SIGNATURE


def test_msg_send_tx_body_matches_on_chain_bytes() -> None:
    raw = tx_pb2.TxRaw()
    raw.ParseFromString(bytes.fromhex(TW_TXRAW_HEX))
    assert msg_send_tx_body(TW_FROM, TW_TO, Coin("muon", 1), "") == raw.body_bytes


def test_release_sign_doc_golden() -> None:
    vault = address_from_bytes(bytes(range(20)))
    recipient = address_from_bytes(bytes(range(20, 40)))
    spec = ReleaseSpec(
        chain_id="pocket",
        account_number=42,
        sequence=7,
        vault_address=vault,
        recipient=recipient,
        amount=1_500_000,
        memo=refund_release_memo("ab" * 32),
        fee_amount=20_000,
        gas_limit=400_000,
    )
    expected = (
        '{"account_number":"42","chain_id":"pocket","fee":{"amount":[{"amount":"20000",'
        '"denom":"upokt"}],"gas":"400000"},"memo":"refund:' + "AB" * 32 + '","msgs":[{"type":'
        '"cosmos-sdk/MsgSend","value":{"amount":[{"amount":"1500000","denom":"upokt"}],'
        '"from_address":"' + vault + '","to_address":"' + recipient + '"}}],"sequence":"7"}'
    )
    assert build_release_sign_doc(spec) == expected.encode()


# cosmos/cosmjs packages/amino/src/signdoc.spec.ts escapeCharacters (Go's HTML-safe escaping).
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"m": "with amp: &"}, '{"m":"with amp: \\u0026"}'),
        ({"m": "with lt: <<"}, '{"m":"with lt: \\u003c\\u003c"}'),
        ({"m": "with all: &<>"}, '{"m":"with all: \\u0026\\u003c\\u003e"}'),
        ({"memo": "\\u0026"}, '{"memo":"\\\\u0026"}'),
        ({"b": {"z": True, "x": None}, "a": ["2", "1"]}, '{"a":["2","1"],"b":{"x":null,"z":true}}'),
        ({"m": 'é\u2028\n\t\x01"\\'}, '{"m":"é\\u2028\\n\\t\\u0001\\"\\\\"}'),
    ],
)
def test_sorted_json_escapes_like_go(value: object, expected: str) -> None:
    assert sorted_json(value) == expected.encode()  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [{"n": 1}, {"n": 1.5}, [b"x"], {1: "x"}])
def test_sorted_json_refuses_numbers_and_non_json(value: object) -> None:
    with pytest.raises(ValidationError):
        sorted_json(value)  # type: ignore[arg-type]
