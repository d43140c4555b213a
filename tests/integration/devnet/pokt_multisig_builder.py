"""Test-side builder of vault-style multisig txs (LegacyAminoPubKey + SIGN_MODE_LEGACY_AMINO_JSON).

Written separately from the simulator's verifier: it builds the StdSignDoc JSON itself and
assembles MultiSignature + CompactBitArray + ModeInfo.Multi with cosmpy's protobuf classes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import cosmpy.protos.cosmos.crypto.multisig.keys_pb2 as multisig_keys_pb2
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.crypto.secp256k1 import keys_pb2
from cosmpy.protos.cosmos.tx.signing.v1beta1 import signing_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2

from wpokt_devnet.pokt_sim.keys import MultisigKey, Secp256k1Key
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of

AMINO = signing_pb2.SIGN_MODE_LEGACY_AMINO_JSON


@dataclass(frozen=True)
class Vault:
    threshold: int
    members: list[LocalKeySigner]

    def __post_init__(self) -> None:
        ordered = sorted(self.members, key=lambda s: pokt_address_of(s.public_key))
        object.__setattr__(self, "members", ordered)

    @property
    def key(self) -> MultisigKey:
        return MultisigKey(self.threshold, tuple(Secp256k1Key(m.public_key) for m in self.members))

    @property
    def address(self) -> str:
        return self.key.address


def _pubkey_any(public_key: bytes) -> any_pb2.Any:
    return any_pb2.Any(
        type_url="/cosmos.crypto.secp256k1.PubKey",
        value=keys_pb2.PubKey(key=public_key).SerializeToString(),
    )


def amino_sign_bytes(
    *,
    chain_id: str,
    account_number: int,
    sequence: int,
    from_address: str,
    to_address: str,
    amount: int,
    memo: str,
    fee: int,
    gas: int,
) -> bytes:
    doc = {
        "account_number": str(account_number),
        "chain_id": chain_id,
        "fee": {"amount": [{"amount": str(fee), "denom": "upokt"}] if fee else [], "gas": str(gas)},
        "memo": memo,
        "msgs": [
            {
                "type": "cosmos-sdk/MsgSend",
                "value": {
                    "amount": [{"amount": str(amount), "denom": "upokt"}],
                    "from_address": from_address,
                    "to_address": to_address,
                },
            }
        ],
        "sequence": str(sequence),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def build_vault_send(
    vault: Vault,
    signing_members: list[int],
    *,
    chain_id: str,
    account_number: int,
    sequence: int,
    to_address: str,
    amount: int,
    memo: str = "",
    fee: int = 0,
    gas: int = 400_000,
    tamper_member: int | None = None,
) -> bytes:
    """TxRaw of a MsgSend from the vault signed by ``signing_members`` (indexes into members)."""
    sign_bytes = amino_sign_bytes(
        chain_id=chain_id, account_number=account_number, sequence=sequence,
        from_address=vault.address, to_address=to_address, amount=amount, memo=memo,
        fee=fee, gas=gas,
    )  # fmt: skip
    digest = hashlib.sha256(sign_bytes).digest()
    size = len(vault.members)
    elems = bytearray((size + 7) // 8)
    signatures = []
    for index in sorted(set(signing_members)):
        elems[index // 8] |= 0x80 >> (index % 8)
        signature = bytearray(vault.members[index].sign_digest(digest).rs_bytes())
        if index == tamper_member:
            signature[5] ^= 0x01
        signatures.append(bytes(signature))
    multi_signature = multisig_pb2.MultiSignature(signatures=signatures)
    bitarray = multisig_pb2.CompactBitArray(extra_bits_stored=size % 8, elems=bytes(elems))
    single = tx_pb2.ModeInfo(single=tx_pb2.ModeInfo.Single(mode=AMINO))
    mode_info = tx_pb2.ModeInfo(
        multi=tx_pb2.ModeInfo.Multi(bitarray=bitarray, mode_infos=[single] * len(signatures))
    )
    legacy_key = multisig_keys_pb2.LegacyAminoPubKey(
        threshold=vault.threshold, public_keys=[_pubkey_any(m.public_key) for m in vault.members]
    )
    public_key = any_pb2.Any(
        type_url="/cosmos.crypto.multisig.LegacyAminoPubKey", value=legacy_key.SerializeToString()
    )
    send = bank_tx_pb2.MsgSend(
        from_address=vault.address,
        to_address=to_address,
        amount=[coin_pb2.Coin(denom="upokt", amount=str(amount))],
    )
    body = tx_pb2.TxBody(
        messages=[
            any_pb2.Any(type_url="/cosmos.bank.v1beta1.MsgSend", value=send.SerializeToString())
        ],
        memo=memo,
    )
    auth_info = tx_pb2.AuthInfo(
        signer_infos=[
            tx_pb2.SignerInfo(public_key=public_key, mode_info=mode_info, sequence=sequence)
        ],
        fee=tx_pb2.Fee(
            amount=[coin_pb2.Coin(denom="upokt", amount=str(fee))] if fee else [], gas_limit=gas
        ),
    )
    raw = tx_pb2.TxRaw(
        body_bytes=body.SerializeToString(),
        auth_info_bytes=auth_info.SerializeToString(),
        signatures=[multi_signature.SerializeToString()],
    )
    return bytes(raw.SerializeToString())
