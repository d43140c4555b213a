"""Check a release ``TxRaw`` from its bytes alone, the way the chain's ante handler does.

``decode_release`` turns the bytes back into the ``ReleaseSpec`` they pay; ``verify_multisig_tx``
then checks the signer key, signature limit, sequence, bit array, mode infos and every member
signature. A failure raises ``TxRejectedError`` carrying the Cosmos SDK's ABCI code for the
reason, so a node can tell in advance what the chain would answer.
"""

from __future__ import annotations

import re

from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.keys.signer import verify_digest
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.multisig import MultisigPubKey, bit_array_bits
from wpokt_node.pokt.release_spec import ReleaseSpec, release_digest
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL, SIGN_MODE_LEGACY_AMINO_JSON

# Cosmos SDK root codespace error codes (types/errors/errors.go) the checks below mirror.
CODE_TX_DECODE = 2
CODE_UNAUTHORIZED = 4
CODE_INVALID_PUBKEY = 8
CODE_TOO_MANY_SIGNATURES = 14
CODE_NO_SIGNATURES = 15
CODE_WRONG_SEQUENCE = 32


class TxRejectedError(SigningError):
    """A release tx the chain would reject; ``code`` is the SDK's ABCI code for the reason."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        super().__init__(f"{message} (code {code})")


def _parse(message: object, data: bytes, what: str) -> None:
    try:
        message.ParseFromString(data)  # type: ignore[attr-defined]
    except Exception:
        raise TxRejectedError(CODE_TX_DECODE, f"cannot decode {what}") from None


def _coin(proto: coin_pb2.Coin) -> Coin:
    if not re.fullmatch(r"[0-9]+", proto.amount):
        raise TxRejectedError(CODE_TX_DECODE, f"bad coin amount {proto.amount[:40]!r}")
    try:
        return Coin(proto.denom, int(proto.amount))
    except ValidationError as exc:
        raise TxRejectedError(CODE_TX_DECODE, str(exc)) from None


def _decode_parts(tx_bytes: bytes) -> tuple[tx_pb2.TxRaw, tx_pb2.TxBody, tx_pb2.AuthInfo]:
    raw = tx_pb2.TxRaw()
    _parse(raw, tx_bytes, "TxRaw")
    body = tx_pb2.TxBody()
    _parse(body, raw.body_bytes, "TxBody")
    auth_info = tx_pb2.AuthInfo()
    _parse(auth_info, raw.auth_info_bytes, "AuthInfo")
    return raw, body, auth_info


def _single_msg_send(body: tx_pb2.TxBody) -> bank_tx_pb2.MsgSend:
    if len(body.messages) != 1 or body.messages[0].type_url != MSG_SEND_TYPE_URL:
        raise TxRejectedError(CODE_TX_DECODE, "a release holds exactly one MsgSend")
    if body.timeout_height or body.extension_options or body.non_critical_extension_options:
        raise TxRejectedError(
            CODE_TX_DECODE, "a release has no timeout height or extension options"
        )
    msg = bank_tx_pb2.MsgSend()
    _parse(msg, body.messages[0].value, "MsgSend")
    return msg


def _fee_amount(fee: tx_pb2.Fee, denom: str) -> int:
    if len(fee.amount) > 1 or fee.payer or fee.granter:
        raise TxRejectedError(CODE_TX_DECODE, "a release fee is one coin paid by the vault")
    if not fee.amount:
        return 0
    amount = _coin(fee.amount[0]).amount
    if fee.amount[0].denom != denom:
        raise TxRejectedError(CODE_TX_DECODE, "a release pays its fee in the released denom")
    return amount


def decode_release(tx_bytes: bytes, chain_id: str, account_number: int) -> ReleaseSpec:
    """Decode a single-MsgSend release back into its spec (fee, memo, sequence from the tx)."""
    _, body, auth_info = _decode_parts(tx_bytes)
    msg = _single_msg_send(body)
    if len(msg.amount) != 1:
        raise TxRejectedError(CODE_TX_DECODE, "a release sends exactly one coin")
    amount = _coin(msg.amount[0])
    if len(auth_info.signer_infos) != 1:
        raise TxRejectedError(CODE_UNAUTHORIZED, "a release has exactly one signer (the vault)")
    fee_amount = _fee_amount(auth_info.fee, amount.denom)
    try:
        return ReleaseSpec(
            chain_id=chain_id,
            account_number=account_number,
            sequence=auth_info.signer_infos[0].sequence,
            vault_address=msg.from_address,
            recipient=msg.to_address,
            amount=amount.amount,
            memo=body.memo,
            fee_amount=fee_amount,
            gas_limit=auth_info.fee.gas_limit,
            denom=amount.denom,
        )
    except ValidationError as exc:
        raise TxRejectedError(CODE_TX_DECODE, f"not a valid release: {exc}") from None


def _signer_key(
    signer_info: tx_pb2.SignerInfo,
    multisig: MultisigPubKey,
    vault_address: str,
    tx_sig_limit: int | None,
) -> MultisigPubKey:
    """The tx's signer key, which must be the vault's multisig within the signature limit."""
    try:
        tx_key = MultisigPubKey.from_any(signer_info.public_key)
    except ValidationError as exc:
        raise TxRejectedError(CODE_INVALID_PUBKEY, str(exc)) from None
    if tx_key != multisig or tx_key.address() != vault_address:
        raise TxRejectedError(
            CODE_INVALID_PUBKEY, "the tx is not signed by the vault's multisig key"
        )
    if tx_sig_limit is not None and tx_key.size > tx_sig_limit:
        raise TxRejectedError(
            CODE_TOO_MANY_SIGNATURES,
            f"signatures: {tx_key.size}, limit: {tx_sig_limit}: too many signatures",
        )
    return tx_key


def _signed_bits(
    raw: tx_pb2.TxRaw, signer_info: tx_pb2.SignerInfo, tx_key: MultisigPubKey
) -> list[bool]:
    """Which members signed, from the multisig mode info's bit array."""
    if len(raw.signatures) != 1:
        raise TxRejectedError(CODE_UNAUTHORIZED, "a release carries exactly one (multi)signature")
    if signer_info.mode_info.WhichOneof("sum") != "multi":
        raise TxRejectedError(CODE_UNAUTHORIZED, "the vault signs with multisig mode info")
    try:
        bits = bit_array_bits(signer_info.mode_info.multi.bitarray)
    except ValidationError as exc:
        raise TxRejectedError(CODE_UNAUTHORIZED, str(exc)) from None
    if len(bits) != tx_key.size:
        raise TxRejectedError(CODE_UNAUTHORIZED, "bit array size is incorrect")
    return bits


def _member_signatures(
    raw: tx_pb2.TxRaw, multi: tx_pb2.ModeInfo.Multi, bits: list[bool], tx_key: MultisigPubKey
) -> list[bytes]:
    """The member signatures, one per set bit and mode info, each in LEGACY_AMINO_JSON mode."""
    multi_signature = multisig_pb2.MultiSignature()
    _parse(multi_signature, raw.signatures[0], "MultiSignature")
    sigs = [bytes(s) for s in multi_signature.signatures]
    if not sigs:
        raise TxRejectedError(CODE_NO_SIGNATURES, "no signatures supplied")
    if len(sigs) < tx_key.threshold or len(sigs) > tx_key.size:
        raise TxRejectedError(
            CODE_UNAUTHORIZED,
            f"signature size is incorrect: {len(sigs)} signatures, threshold {tx_key.threshold}",
        )
    if sum(bits) != len(sigs) or len(multi.mode_infos) != len(sigs):
        raise TxRejectedError(CODE_UNAUTHORIZED, "bit array, mode infos and signatures disagree")
    for mode in multi.mode_infos:
        if mode.WhichOneof("sum") != "single" or mode.single.mode != SIGN_MODE_LEGACY_AMINO_JSON:
            raise TxRejectedError(CODE_UNAUTHORIZED, "every member signs in LEGACY_AMINO_JSON mode")
    return sigs


def verify_multisig_tx(
    tx_bytes: bytes,
    *,
    multisig: MultisigPubKey,
    chain_id: str,
    account_number: int,
    sequence: int,
    tx_sig_limit: int | None = None,
) -> ReleaseSpec:
    """Check a release ``TxRaw`` as the chain would for the vault account; return its spec.

    Raises TxRejectedError (with the SDK's code) on: undecodable bytes, a signer key other than the
    vault's multisig, more member keys than ``tx_sig_limit``, a sequence other than the
    account's, a malformed bit array / mode info, fewer than threshold signatures, or any
    signature that does not verify over the sign doc for ``chain_id``/``account_number``.
    The checks run in the order listed, so the first failure is the one reported.
    """
    spec = decode_release(tx_bytes, chain_id, account_number)
    raw, _, auth_info = _decode_parts(tx_bytes)
    signer_info = auth_info.signer_infos[0]
    tx_key = _signer_key(signer_info, multisig, spec.vault_address, tx_sig_limit)
    if signer_info.sequence != sequence:
        raise TxRejectedError(
            CODE_WRONG_SEQUENCE,
            f"account sequence mismatch, expected {sequence}, got {signer_info.sequence}",
        )
    bits = _signed_bits(raw, signer_info, tx_key)
    sigs = _member_signatures(raw, signer_info.mode_info.multi, bits, tx_key)
    digest = release_digest(spec)
    members = [tx_key.public_keys[i] for i, bit in enumerate(bits) if bit]
    for member_pubkey, signature in zip(members, sigs, strict=True):
        if not verify_digest(member_pubkey, digest, signature):
            raise TxRejectedError(
                CODE_UNAUTHORIZED,
                f"signature verification failed; please verify account number "
                f"({account_number}), sequence ({sequence}) and chain-id ({chain_id})",
            )
    return spec
