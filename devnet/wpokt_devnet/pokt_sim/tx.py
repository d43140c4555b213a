"""Decoding of broadcast TxRaw bytes into what the simulator checks and executes.

Known messages: ``/cosmos.bank.v1beta1.MsgSend``, the x/group messages of ``group_tx`` and
the authz ``MsgExec`` of ``authz``;
any other message type fails like an unregistered type in the SDK's tx decoder (code 2,
"unable to resolve type URL").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.tx.signing.v1beta1 import signing_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import json_format
from google.protobuf.message import DecodeError

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.authz import TxMsg, decode_tx_msg
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.keys import PubKey, PubKeyError, pubkey_from_any
from wpokt_devnet.pokt_sim.messages import Coin, parse_coin

SIGN_MODE_DIRECT = signing_pb2.SIGN_MODE_DIRECT
SIGN_MODE_LEGACY_AMINO_JSON = signing_pb2.SIGN_MODE_LEGACY_AMINO_JSON


@dataclass(frozen=True, slots=True)
class SingleSig:
    mode: int
    signature: bytes


@dataclass(frozen=True, slots=True)
class MultiSig:
    """Bit i of ``bits`` set means key i of the multisig signed; ``sigs`` follow in key order."""

    bits: tuple[bool, ...]
    sigs: tuple[SingleSig | MultiSig, ...]


SigData = SingleSig | MultiSig


@dataclass(frozen=True, slots=True)
class SignerInfo:
    public_key: PubKey | None
    sequence: int
    sig: SigData


@dataclass(frozen=True, slots=True)
class DecodedTx:
    raw: bytes
    body_bytes: bytes
    auth_info_bytes: bytes
    msgs: tuple[TxMsg, ...]
    memo: str
    timeout_height: int
    signer_infos: tuple[SignerInfo, ...]
    fee: tuple[Coin, ...]
    gas_limit: int
    fee_payer: str
    fee_granter: str
    has_extension_options: bool
    proto: tx_pb2.Tx

    @property
    def hash(self) -> str:
        return tx_hash(self.raw)

    def signers(self) -> list[str]:
        """Required signers: message signers in first-seen order, then the fee payer if new."""
        seen: list[str] = []
        for msg in self.msgs:
            for signer in msg.signers:
                if signer not in seen:
                    seen.append(signer)
        if self.fee_payer and self.fee_payer not in seen:
            seen.append(self.fee_payer)
        return seen


def tx_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest().upper()


def _sig_data(mode_info: tx_pb2.ModeInfo, signature: bytes) -> SigData:
    which = mode_info.WhichOneof("sum")
    if which == "single":
        return SingleSig(mode_info.single.mode, signature)
    if which == "multi":
        multi = multisig_pb2.MultiSignature.FromString(signature)
        bitarray = mode_info.multi.bitarray
        # CompactBitArray: extra_bits_stored is how many bits of the last byte are used.
        extra = bitarray.extra_bits_stored
        if extra >= 8 or (extra and not bitarray.elems):
            raise TxError(codes.TX_DECODE, "malformed multisig bit array")
        size = len(bitarray.elems) * 8 if extra == 0 else (len(bitarray.elems) - 1) * 8 + extra
        bits = tuple(bool(bitarray.elems[i // 8] & (0x80 >> (i % 8))) for i in range(size))
        if len(mode_info.multi.mode_infos) != len(multi.signatures):
            raise TxError(codes.UNAUTHORIZED, "multisig mode infos and signatures differ in number")
        sigs = tuple(
            _sig_data(sub_mode, sub_sig)
            for sub_mode, sub_sig in zip(mode_info.multi.mode_infos, multi.signatures, strict=True)
        )
        return MultiSig(bits, sigs)
    raise TxError(codes.TX_DECODE, "signer info has no mode info")


def _signer_infos(
    auth_info: tx_pb2.AuthInfo, signatures: Sequence[bytes]
) -> tuple[SignerInfo, ...]:
    """One SignerInfo per signature: public key (if sent), sequence and signature data."""
    try:
        keys = [
            pubkey_from_any(info.public_key) if info.HasField("public_key") else None
            for info in auth_info.signer_infos
        ]
    except PubKeyError as exc:
        raise TxError(codes.TX_DECODE, str(exc)) from None
    if len(signatures) != len(keys):
        raise TxError(
            codes.UNAUTHORIZED,
            f"invalid number of signatures; expected: {len(keys)}, got {len(signatures)}",
        )
    try:
        return tuple(
            SignerInfo(public_key, info.sequence, _sig_data(info.mode_info, signature))
            for public_key, info, signature in zip(
                keys, auth_info.signer_infos, signatures, strict=True
            )
        )
    except DecodeError as exc:
        raise TxError(codes.TX_DECODE, f"cannot decode multisignature: {exc}") from None


def decode_tx(raw: bytes) -> DecodedTx:
    """Decode TxRaw bytes; raise TxError (code 2 for undecodable input) on any problem."""
    try:
        tx_raw = tx_pb2.TxRaw.FromString(raw)
        body = tx_pb2.TxBody.FromString(tx_raw.body_bytes)
        auth_info = tx_pb2.AuthInfo.FromString(tx_raw.auth_info_bytes)
    except (DecodeError, ValueError) as exc:
        raise TxError(codes.TX_DECODE, f"cannot decode tx: {exc}") from None
    if not tx_raw.body_bytes and not tx_raw.auth_info_bytes:
        raise TxError(codes.TX_DECODE, "empty tx body and auth info")
    if body.unordered or body.HasField("timeout_timestamp"):
        raise TxError(codes.TX_DECODE, "unordered txs and timeout timestamps are unsupported")

    msgs = tuple(decode_tx_msg(any_msg) for any_msg in body.messages)
    infos = _signer_infos(auth_info, tx_raw.signatures)
    fee = auth_info.fee
    proto = tx_pb2.Tx(body=body, auth_info=auth_info, signatures=list(tx_raw.signatures))
    return DecodedTx(
        raw=raw,
        body_bytes=tx_raw.body_bytes,
        auth_info_bytes=tx_raw.auth_info_bytes,
        msgs=msgs,
        memo=body.memo,
        timeout_height=body.timeout_height,
        signer_infos=infos,
        fee=tuple(parse_coin(c.denom, c.amount) for c in fee.amount),
        gas_limit=fee.gas_limit,
        fee_payer=fee.payer,
        fee_granter=fee.granter,
        has_extension_options=bool(body.extension_options or body.non_critical_extension_options),
        proto=proto,
    )


def tx_json(tx: DecodedTx) -> dict[str, Any]:
    """The SDK's JSON of a decoded ``cosmos.tx.v1beta1.Tx`` (v0.50 fields only)."""
    rendered: dict[str, Any] = json_format.MessageToDict(
        tx.proto, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    body = rendered.get("body", {})
    body.pop("unordered", None)
    body.pop("timeout_timestamp", None)
    rendered.get("auth_info", {}).setdefault("tip", None)
    return rendered
