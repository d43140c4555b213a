"""The simulator's signature rules against published vectors (cosmjs, a cosmoshub mainnet tx)."""

from __future__ import annotations

import base64
import hashlib

import bech32 as bech32_reference  # the PyPI package (no length limit)
import pytest

from wpokt_devnet.pokt_sim.keys import MultisigKey, Secp256k1Key
from wpokt_devnet.pokt_sim.signdoc import (
    AminoCoin,
    AminoSend,
    amino_json_sign_bytes,
    direct_sign_bytes,
    go_sorted_json,
)
from wpokt_devnet.pokt_sim.tx import SIGN_MODE_DIRECT, decode_tx
from wpokt_devnet.pokt_sim.verify import BadSignatureError, verify_signature
from wpokt_node.addresses import address_to_bytes
from wpokt_node.keys.signer import LocalKeySigner, verify_digest

pytestmark = pytest.mark.pokt

# cosmjs packages/amino/src/testutils.spec.ts and addresses.spec.ts ("works for multisig").
COSMJS_KEYS = (
    "038cb598ee54130d34f8e0818e7787aa06139a0e2d0026cadb662b55cf16859a67",
    "02906f1bd9516c8cd3b52639322c801bf8724c1fa5e878c0e32b9bd6c0bb8b0f68",
    "03cc93519d61b686da6f0e8cff9431e356b45f91063ed6f81f79ddd898858800f3",
)
COSMJS_GROUP1_BECH32 = (
    "wasmpub1ytql0csgqgfzd666axrjzquvkkvwu4qnp5603cyp3emc02sxzwdqutgqym9dke3t2h83dpv6vufzd666axrjzq5"
    "sdudaj5tv3nfm2f3exgkgqxlcwfxplf0g0rqwx2um6mqthzc0dqfzd666axrjzq7vjdge6cdksmdx7r5vl72rrc6kk30ezp3"
    "76mup77wamzvgtzqq7v7aysdd"
)
COSMJS_GROUP1_ADDRESS = "0892a77fab2fa7e192c3b7b2741e6682f3abb72f"

# A cosmoshub-4 mainnet tx (Trust Wallet core test TWAnySignerCosmos.SignTx, SIGN_MODE_DIRECT).
MAINNET_TX_HEX = (
    "0a92010a8f010a1c2f636f736d6f732e62616e6b2e763162657461312e4d736753656e64126f0a2d636f736d6f7331"
    "6d6b793639636e38656b74777930383435766563397570736470686b7478743033676b776c78122d636f736d6f7331"
    "38733068646e736c6c6763636c7765753961796d77346e676b7472326b30726b7967647a64701a0f0a057561746f6d"
    "120634303030303012650a4e0a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b6579"
    "12230a2102ecef5ce437a302c67f95468de4b31f36e911f467d7e6a52b41c1e13e1d56364912040a02080112130a0d"
    "0a057561746f6d12043130303010c09a0c1a40afbd513a776f4fdf470ef7f9675f21ae9d630fc4d635d8dbaa0dc0a7"
    "16434cd07e02510765d4673dfa880825bae8e67cb367396ff6b976fc6b19a31fc95e8097"
)
MAINNET_TX_HASH = "85392373F54577562067030BF0D61596C91188AA5E6CA8FFE731BD0349296411"


def test_multisig_amino_encoding_and_address_match_cosmjs() -> None:
    group = MultisigKey(2, tuple(Secp256k1Key(bytes.fromhex(k)) for k in COSMJS_KEYS))
    hrp, data = bech32_reference.bech32_decode(COSMJS_GROUP1_BECH32)
    assert hrp == "wasmpub"
    assert data is not None
    amino = bytes(bech32_reference.convertbits(data, 5, 8, False) or [])
    assert group.amino_bytes() == amino
    assert address_to_bytes(group.address).hex() == COSMJS_GROUP1_ADDRESS
    reordered = MultisigKey(2, tuple(Secp256k1Key(bytes.fromhex(k)) for k in COSMJS_KEYS[::-1]))
    assert reordered.address != group.address


def test_direct_mode_verifies_a_mainnet_transaction() -> None:
    raw = bytes.fromhex(MAINNET_TX_HEX)
    tx = decode_tx(raw)
    assert tx.hash == MAINNET_TX_HASH
    info = tx.signer_infos[0]
    assert info.public_key is not None
    assert info.sequence == 0
    sign_bytes = direct_sign_bytes(tx.body_bytes, tx.auth_info_bytes, "cosmoshub-4", 546179)
    verify_signature(info.public_key, info.sig, lambda mode: sign_bytes)
    assert info.sig.mode == SIGN_MODE_DIRECT  # type: ignore[union-attr]
    wrong_number = direct_sign_bytes(tx.body_bytes, tx.auth_info_bytes, "cosmoshub-4", 546180)
    with pytest.raises(BadSignatureError):
        verify_signature(info.public_key, info.sig, lambda mode: wrong_number)


def test_amino_json_sign_bytes_verify_a_published_signature() -> None:
    # Trust Wallet core TWAnySignerCosmos.SignJSON: cosmoshub-2, account 8733, sequence 0.
    signer = LocalKeySigner.from_hex(
        "c9b0a273831931aa4a5f8d1a570d5021dda91d3319bd3819becdaabfb7b44e3b"
    )
    assert (
        base64.b64encode(signer.public_key).decode()
        == "A6EsukEXB53GhohQVeDpxtkeH8KQIayd/Co/ApYRYkTm"
    )
    sign_bytes = amino_json_sign_bytes(
        chain_id="cosmoshub-2",
        account_number=8733,
        sequence=0,
        fee_amount=(AminoCoin("uatom", "5000"),),
        gas=200000,
        msgs=(
            AminoSend(
                "cosmos1ufwv9ymhqaal6xz47n0jhzm2wf4empfqvjy575",
                "cosmos135qla4294zxarqhhgxsx0sw56yssa3z0f78pm0",
                (AminoCoin("uatom", "995000"),),
            ),
        ),
        memo="Testing",
    )
    signature = base64.b64decode(
        "ULEpUqNzoAnYEx2x22F3ANAiPXquAU9+mqLWoAA/ZOUGTMsdb6vryzsW6AKX2Kqj1pGNdrTcQ58Z09JPyjpgEA=="
    )
    assert verify_digest(signer.public_key, hashlib.sha256(sign_bytes).digest(), signature)
    assert sign_bytes.startswith(b'{"account_number":"8733","chain_id":"cosmoshub-2","fee":')


def test_amino_json_uses_go_escaping() -> None:
    assert go_sorted_json({"m": "a&b<c>d", "a": 1}) == '{"a":1,"m":"a\\u0026b\\u003cc\\u003ed"}'
    assert go_sorted_json({"m": "é\u2028"}) == '{"m":"é\\u2028"}'
