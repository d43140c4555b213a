"""Single-key SIGN_MODE_DIRECT transactions, checked against a Cosmos Hub mainnet transaction."""

from __future__ import annotations

import hashlib

import pytest
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.crypto.secp256k1 import keys_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

from tests.unit.devnet.test_pokt_sim_vectors import MAINNET_TX_HASH, MAINNET_TX_HEX
from wpokt_node.errors import ValidationError
from wpokt_node.keys.signer import LocalKeySigner, verify_digest
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.direct_tx import DirectTx, direct_tx, packed, sign_direct

# cosmoshub-4, account 546179, sequence 0: the sender's key, the MsgSend, the fee and the
# signature, as the chain recorded them.
RAW = tx_pb2.TxRaw.FromString(bytes.fromhex(MAINNET_TX_HEX))
PUBKEY = bytes(
    keys_pb2.PubKey.FromString(
        tx_pb2.AuthInfo.FromString(RAW.auth_info_bytes).signer_infos[0].public_key.value
    ).key
)
SEND = bank_tx_pb2.MsgSend(
    from_address="cosmos1mky69cn8ektwy0845vec9upsdphktxt03gkwlx",
    to_address="cosmos18s0hdnsllgcclweu9aymw4ngktr2k0rkygdzdp",
    amount=[coin_pb2.Coin(denom="uatom", amount="400000")],
)


def mainnet_tx() -> DirectTx:
    return direct_tx(
        public_key=PUBKEY,
        messages=[packed("/cosmos.bank.v1beta1.MsgSend", SEND)],
        chain_id="cosmoshub-4",
        account_number=546179,
        sequence=0,
        fee=Coin("uatom", 1000),
        gas_limit=200_000,
    )


def test_a_mainnet_transaction_is_rebuilt_byte_for_byte() -> None:
    unsigned = mainnet_tx()
    assert unsigned.body_bytes == RAW.body_bytes
    assert unsigned.auth_info_bytes == RAW.auth_info_bytes
    signature = bytes(RAW.signatures[0])
    assert verify_digest(PUBKEY, unsigned.digest, signature)
    signed = unsigned.signed(signature)
    assert signed.tx_bytes.hex() == MAINNET_TX_HEX
    assert signed.tx_hash == MAINNET_TX_HASH


def test_the_sign_doc_binds_chain_and_account() -> None:
    unsigned = mainnet_tx()
    signature = bytes(RAW.signatures[0])
    other = direct_tx(
        public_key=PUBKEY,
        messages=[packed("/cosmos.bank.v1beta1.MsgSend", SEND)],
        chain_id="cosmoshub-4",
        account_number=546180,
        sequence=0,
        fee=Coin("uatom", 1000),
        gas_limit=200_000,
    )
    assert other.body_bytes == unsigned.body_bytes
    assert not verify_digest(PUBKEY, other.digest, signature)


def test_a_node_key_signs_several_messages_in_one_transaction() -> None:
    signer = LocalKeySigner(hashlib.sha256(b"member").digest())
    unsigned = direct_tx(
        public_key=signer.public_key,
        messages=[packed("/cosmos.bank.v1beta1.MsgSend", SEND)] * 3,
        chain_id="pocket",
        account_number=7,
        sequence=4,
        fee=None,
        gas_limit=400_000,
        memo="votes",
    )
    signed = sign_direct(signer, unsigned)
    raw = tx_pb2.TxRaw.FromString(signed.tx_bytes)
    assert len(tx_pb2.TxBody.FromString(raw.body_bytes).messages) == 3
    assert verify_digest(signer.public_key, unsigned.digest, bytes(raw.signatures[0]))
    assert signed.tx_hash == hashlib.sha256(signed.tx_bytes).hexdigest().upper()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"messages": []}, "at least one message"),
        ({"public_key": b"\x02" * 32}, "33 bytes"),
        ({"gas_limit": 0}, "gas limit"),
        ({"sequence": -1}, "sequence"),
    ],
)
def test_bad_input_is_refused(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "public_key": PUBKEY,
        "messages": [packed("/cosmos.bank.v1beta1.MsgSend", SEND)],
        "chain_id": "pocket",
        "account_number": 1,
        "sequence": 0,
        "fee": None,
        "gas_limit": 1,
    }
    arguments.update(change)
    with pytest.raises(ValidationError, match=message):
        direct_tx(**arguments)  # type: ignore[arg-type]
