"""Single-key Pocket transactions in ``SIGN_MODE_DIRECT``: one account (e.g. a node's own
member account of a group vault) signs a ``TxBody`` of one or more messages.

The bytes follow the Cosmos SDK (x/auth/tx, ``SignDoc`` in cosmos/tx/v1beta1/tx.proto): the
signature is a 64-byte low-S ``r||s`` over sha256 of the serialized ``SignDoc{body_bytes,
auth_info_bytes, chain_id, account_number}``; the tx hash is sha256 of the ``TxRaw`` bytes.
``tests/unit/pokt/test_direct_tx.py`` rebuilds a Cosmos Hub mainnet transaction byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.crypto.secp256k1 import keys_pb2
from cosmpy.protos.cosmos.tx.signing.v1beta1 import signing_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2
from google.protobuf.message import Message

from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.keys.signer import Secp256k1Signer, verify_digest
from wpokt_node.pokt.amino_json import Coin, uint64_str
from wpokt_node.pokt.tx_encoding import tx_hash

SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey"


def packed(type_url: str, message: Message) -> any_pb2.Any:
    """A message as the ``Any`` a ``TxBody`` carries."""
    if not type_url.startswith("/"):
        raise ValidationError(f"a message type URL starts with '/': {type_url!r}")
    return any_pb2.Any(type_url=type_url, value=message.SerializeToString())


@dataclass(frozen=True, slots=True)
class DirectTx:
    """Everything one signer signs: body, auth info, and the sign doc over both."""

    body_bytes: bytes
    auth_info_bytes: bytes
    sign_doc: bytes

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.sign_doc).digest()

    def signed(self, signature: bytes) -> SignedTx:
        raw = tx_pb2.TxRaw(
            body_bytes=self.body_bytes, auth_info_bytes=self.auth_info_bytes, signatures=[signature]
        )
        tx_bytes = bytes(raw.SerializeToString())
        return SignedTx(tx_bytes, tx_hash(tx_bytes))


@dataclass(frozen=True, slots=True)
class SignedTx:
    tx_bytes: bytes
    tx_hash: str


def direct_tx(
    *,
    public_key: bytes,
    messages: Sequence[any_pb2.Any],
    chain_id: str,
    account_number: int,
    sequence: int,
    fee: Coin | None,
    gas_limit: int,
    memo: str = "",
) -> DirectTx:
    """The unsigned transaction of the account holding ``public_key`` (compressed secp256k1)."""
    if not messages:
        raise ValidationError("a transaction carries at least one message")
    if len(public_key) != 33:
        raise ValidationError("a secp256k1 public key is 33 bytes (compressed)")
    for value, what in ((account_number, "account number"), (sequence, "sequence")):
        uint64_str(value, what)
    if gas_limit <= 0:
        raise ValidationError("gas limit must be positive")
    body = tx_pb2.TxBody(messages=list(messages), memo=memo)
    signer_info = tx_pb2.SignerInfo(
        public_key=packed(SECP256K1_PUBKEY_TYPE_URL, keys_pb2.PubKey(key=public_key)),
        mode_info=tx_pb2.ModeInfo(single=tx_pb2.ModeInfo.Single(mode=signing_pb2.SIGN_MODE_DIRECT)),
        sequence=sequence,
    )
    amount = [coin_pb2.Coin(denom=fee.denom, amount=str(fee.amount))] if fee else []
    auth_info = tx_pb2.AuthInfo(
        signer_infos=[signer_info], fee=tx_pb2.Fee(amount=amount, gas_limit=gas_limit)
    )
    body_bytes = bytes(body.SerializeToString())
    auth_info_bytes = bytes(auth_info.SerializeToString())
    sign_doc = tx_pb2.SignDoc(
        body_bytes=body_bytes,
        auth_info_bytes=auth_info_bytes,
        chain_id=chain_id,
        account_number=account_number,
    )
    return DirectTx(body_bytes, auth_info_bytes, bytes(sign_doc.SerializeToString()))


def sign_direct(signer: Secp256k1Signer, unsigned: DirectTx) -> SignedTx:
    """Sign with this node's key (keystore or AWS KMS); the signature is checked before use."""
    signature = signer.sign_digest(unsigned.digest).rs_bytes()
    if not verify_digest(signer.public_key, unsigned.digest, signature):
        raise SigningError("the signer produced a signature that does not verify")
    return unsigned.signed(signature)
