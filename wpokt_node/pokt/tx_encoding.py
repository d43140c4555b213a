"""Protobuf encoding of a release tx: the ``TxBody`` with its one ``MsgSend``, the ``AuthInfo``
naming the vault's multisig key, and the Cosmos tx hash of the final ``TxRaw`` bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.tx.signing.v1beta1 import signing_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2

from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.multisig import MultisigPubKey, compact_bit_array
from wpokt_node.pokt.release_spec import ReleaseSpec

MSG_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend"
SIGN_MODE_LEGACY_AMINO_JSON = signing_pb2.SignMode.Value("SIGN_MODE_LEGACY_AMINO_JSON")


def msg_send_tx_body(from_address: str, to_address: str, coin: Coin, memo: str) -> bytes:
    """Protobuf ``TxBody`` bytes holding one ``MsgSend`` (no timeout, no extensions)."""
    msg = bank_tx_pb2.MsgSend(
        from_address=from_address,
        to_address=to_address,
        amount=[coin_pb2.Coin(denom=coin.denom, amount=str(coin.amount))],
    )
    body = tx_pb2.TxBody(memo=memo)
    body.messages.append(any_pb2.Any(type_url=MSG_SEND_TYPE_URL, value=msg.SerializeToString()))
    return bytes(body.SerializeToString())


def build_tx_body(spec: ReleaseSpec) -> bytes:
    coin = Coin(spec.denom, spec.amount)
    return msg_send_tx_body(spec.vault_address, spec.recipient, coin, spec.memo)


def build_auth_info(spec: ReleaseSpec, multisig: MultisigPubKey, signed: Sequence[bool]) -> bytes:
    """``AuthInfo`` bytes: the fee, and the vault as the one signer in multisig mode, with one
    ``LEGACY_AMINO_JSON`` mode info per member that signed (``signed`` is in key order)."""
    count = sum(signed)
    single = tx_pb2.ModeInfo(single=tx_pb2.ModeInfo.Single(mode=SIGN_MODE_LEGACY_AMINO_JSON))
    multi = tx_pb2.ModeInfo.Multi(bitarray=compact_bit_array(signed))
    multi.mode_infos.extend([single] * count)
    signer_info = tx_pb2.SignerInfo(
        public_key=multisig.to_any(),
        mode_info=tx_pb2.ModeInfo(multi=multi),
        sequence=spec.sequence,
    )
    fee = tx_pb2.Fee(
        amount=[coin_pb2.Coin(denom=c.denom, amount=str(c.amount)) for c in spec.fee_coins],
        gas_limit=spec.gas_limit,
    )
    auth_info = tx_pb2.AuthInfo(fee=fee)
    auth_info.signer_infos.append(signer_info)
    return bytes(auth_info.SerializeToString())


def tx_hash(tx_bytes: bytes) -> str:
    """The Cosmos tx hash: sha256 of the TxRaw bytes, upper-case hex."""
    return hashlib.sha256(tx_bytes).hexdigest().upper()
