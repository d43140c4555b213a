"""Vault payouts: the ``MsgSend`` release every node rebuilds, signs, and one node assembles.

1. ``ReleaseSpec`` fixes everything signed: chain id, vault account number and sequence, the
   recipient, the amount, fee, gas and memo (``burn:<eth tx hash>:<log index>`` or
   ``refund:<pokt tx hash>``).
2. ``build_release_sign_doc`` gives the amino JSON bytes; ``sign_release`` signs their sha256
   with one node's key (64-byte low-S ``r||s``).
3. ``assemble_multisig_tx`` verifies each collected signature, keeps the first ``threshold``
   valid ones in key order (so any node assembling the same signatures gets the same bytes and
   hash), and builds ``TxRaw``.
4. ``verify_multisig_tx`` starts again from the ``TxRaw`` bytes alone and checks them the way the
   chain's ante handler does; ``assemble_multisig_tx`` runs it before returning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.tx.signing.v1beta1 import signing_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.keys.signer import Secp256k1Signer, verify_digest
from wpokt_node.logs import get_logger
from wpokt_node.pokt.amino_json import (
    Coin,
    msg_send_amino,
    std_fee_amino,
    std_sign_bytes,
    uint64_str,
)
from wpokt_node.pokt.multisig import (
    MultisigPubKey,
    bit_array_bits,
    compact_bit_array,
)

MSG_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend"
SIGN_MODE_LEGACY_AMINO_JSON = signing_pb2.SignMode.Value("SIGN_MODE_LEGACY_AMINO_JSON")
MAX_MEMO_CHARACTERS = 256
SIGNATURE_LENGTH = 64

# Cosmos SDK root codespace error codes (types/errors/errors.go) the checks below mirror.
CODE_TX_DECODE = 2
CODE_UNAUTHORIZED = 4
CODE_INVALID_PUBKEY = 8
CODE_TOO_MANY_SIGNATURES = 14
CODE_NO_SIGNATURES = 15
CODE_WRONG_SEQUENCE = 32

_ETH_TX_HASH = re.compile(r"0x[0-9a-f]{64}")
_POKT_TX_HASH = re.compile(r"[0-9A-F]{64}")
_MEMO_CHARS = re.compile(r"[\x20-\x7e]*")

log = get_logger(__name__)


class TxRejectedError(SigningError):
    """A release tx the chain would reject; ``code`` is the SDK's ABCI code for the reason."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        super().__init__(f"{message} (code {code})")


def burn_release_memo(eth_tx_hash: str, log_index: int) -> str:
    """``burn:<0x eth tx hash, lower case>:<log index>``."""
    text = eth_tx_hash.strip().lower()
    if not _ETH_TX_HASH.fullmatch(text):
        raise ValidationError(f"not an Ethereum tx hash: {eth_tx_hash[:80]!r}")
    if isinstance(log_index, bool) or not isinstance(log_index, int) or log_index < 0:
        raise ValidationError(f"log index must be a non-negative integer, got {log_index!r}")
    return f"burn:{text}:{log_index}"


def refund_release_memo(pokt_tx_hash: str) -> str:
    """``refund:<pokt tx hash, upper-case hex as the SDK prints it>``."""
    return f"refund:{normalize_pokt_tx_hash(pokt_tx_hash)}"


def normalize_pokt_tx_hash(value: str) -> str:
    """Canonical Pocket tx hash: 64 upper-case hex digits (the form the SDK returns)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _POKT_TX_HASH.fullmatch(text):
        raise ValidationError(f"not a Pocket tx hash (64 hex digits): {str(value)[:80]!r}")
    return text


@dataclass(frozen=True, slots=True)
class ReleaseSpec:
    """Everything a vault payout signs. Built by every node from chain data and its own config."""

    chain_id: str
    account_number: int
    sequence: int
    vault_address: str
    recipient: str
    amount: int
    memo: str
    fee_amount: int
    gas_limit: int
    denom: str = "upokt"

    def __post_init__(self) -> None:
        if not self.chain_id or not self.chain_id.isascii() or not self.chain_id.isprintable():
            raise ValidationError(f"bad chain id {self.chain_id!r}")
        uint64_str(self.account_number, "account number")
        uint64_str(self.sequence, "sequence")
        uint64_str(self.gas_limit, "gas limit")
        if self.gas_limit == 0:
            raise ValidationError("gas limit must be positive")
        object.__setattr__(self, "vault_address", normalize_pokt_address(self.vault_address))
        object.__setattr__(self, "recipient", normalize_pokt_address(self.recipient))
        if self.vault_address == self.recipient:
            raise ValidationError("a release cannot pay the vault itself")
        Coin(self.denom, self.amount)
        Coin(self.denom, self.fee_amount)
        if self.amount <= 0:
            raise ValidationError("a release pays a positive amount")
        if len(self.memo) > MAX_MEMO_CHARACTERS or not _MEMO_CHARS.fullmatch(self.memo):
            raise ValidationError("release memo must be at most 256 printable ASCII characters")

    @property
    def fee_coins(self) -> list[Coin]:
        return [Coin(self.denom, self.fee_amount)] if self.fee_amount else []


def build_release_sign_doc(spec: ReleaseSpec) -> bytes:
    """The amino JSON sign bytes of the release, byte-identical to the SDK's."""
    return std_sign_bytes(
        chain_id=spec.chain_id,
        account_number=spec.account_number,
        sequence=spec.sequence,
        fee=std_fee_amino(spec.fee_coins, spec.gas_limit),
        msgs=[msg_send_amino(spec.vault_address, spec.recipient, [Coin(spec.denom, spec.amount)])],
        memo=spec.memo,
    )


def sign_release(signer: Secp256k1Signer, sign_doc: bytes) -> bytes:
    """This node's 64-byte low-S signature over sha256(sign_doc), checked before it is returned."""
    digest = hashlib.sha256(sign_doc).digest()
    signature = signer.sign_digest(digest).rs_bytes()
    if not verify_digest(signer.public_key, digest, signature):
        raise SigningError("the signer produced a signature that does not verify")
    return signature


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


def build_auth_info(spec: ReleaseSpec, multisig: MultisigPubKey, signed: list[bool]) -> bytes:
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


@dataclass(frozen=True, slots=True)
class AssembledTx:
    tx_bytes: bytes
    tx_hash: str
    signer_indices: tuple[int, ...]


def assemble_multisig_tx(
    spec: ReleaseSpec,
    multisig: MultisigPubKey,
    signatures: Mapping[bytes, bytes],
    *,
    tx_sig_limit: int | None = None,
) -> AssembledTx:
    """Build the signed ``TxRaw`` from member signatures keyed by compressed public key.

    Signatures from non-members or that do not verify are dropped (and logged); at least
    ``threshold`` must remain, else SigningError. Exactly ``threshold`` are used: the valid ones
    of the lowest key indices. The result is verified from its bytes before it is returned.
    """
    if multisig.address() != spec.vault_address:
        raise SigningError("the multisig key does not match the release's vault address")
    sign_doc = build_release_sign_doc(spec)
    digest = hashlib.sha256(sign_doc).digest()
    valid: dict[int, bytes] = {}
    for pubkey, signature in signatures.items():
        index = multisig.index_of(pubkey)
        if index is None:
            log.warning("pokt_release_signature_dropped", reason="not a vault member")
            continue
        if not verify_digest(multisig.public_keys[index], digest, bytes(signature)):
            log.warning("pokt_release_signature_dropped", reason="invalid", member_index=index)
            continue
        valid[index] = bytes(signature)
    if len(valid) < multisig.threshold:
        raise SigningError(
            f"release needs {multisig.threshold} valid signatures, has {len(valid)} "
            f"(of {len(signatures)} provided)"
        )
    chosen = sorted(valid)[: multisig.threshold]
    signed = [index in chosen for index in range(multisig.size)]
    multi_signature = multisig_pb2.MultiSignature(signatures=[valid[i] for i in chosen])
    raw = tx_pb2.TxRaw(
        body_bytes=build_tx_body(spec),
        auth_info_bytes=build_auth_info(spec, multisig, signed),
        signatures=[multi_signature.SerializeToString()],
    )
    tx_bytes = bytes(raw.SerializeToString())
    verified = verify_multisig_tx(
        tx_bytes,
        multisig=multisig,
        chain_id=spec.chain_id,
        account_number=spec.account_number,
        sequence=spec.sequence,
        tx_sig_limit=tx_sig_limit,
    )
    if verified != spec:
        raise SigningError("assembled tx does not decode back to its release spec")
    return AssembledTx(tx_bytes, tx_hash(tx_bytes), tuple(chosen))


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


def decode_release(tx_bytes: bytes, chain_id: str, account_number: int) -> ReleaseSpec:
    """Decode a single-MsgSend release back into its spec (fee, memo, sequence from the tx)."""
    raw = tx_pb2.TxRaw()
    _parse(raw, tx_bytes, "TxRaw")
    body = tx_pb2.TxBody()
    _parse(body, raw.body_bytes, "TxBody")
    auth_info = tx_pb2.AuthInfo()
    _parse(auth_info, raw.auth_info_bytes, "AuthInfo")
    if len(body.messages) != 1 or body.messages[0].type_url != MSG_SEND_TYPE_URL:
        raise TxRejectedError(CODE_TX_DECODE, "a release holds exactly one MsgSend")
    if body.timeout_height or body.extension_options or body.non_critical_extension_options:
        raise TxRejectedError(
            CODE_TX_DECODE, "a release has no timeout height or extension options"
        )
    msg = bank_tx_pb2.MsgSend()
    _parse(msg, body.messages[0].value, "MsgSend")
    if len(msg.amount) != 1:
        raise TxRejectedError(CODE_TX_DECODE, "a release sends exactly one coin")
    amount = _coin(msg.amount[0])
    if len(auth_info.signer_infos) != 1:
        raise TxRejectedError(CODE_UNAUTHORIZED, "a release has exactly one signer (the vault)")
    fee = auth_info.fee
    if len(fee.amount) > 1 or fee.payer or fee.granter:
        raise TxRejectedError(CODE_TX_DECODE, "a release fee is one coin paid by the vault")
    fee_amount = _coin(fee.amount[0]).amount if fee.amount else 0
    if fee.amount and fee.amount[0].denom != amount.denom:
        raise TxRejectedError(CODE_TX_DECODE, "a release pays its fee in the released denom")
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
            gas_limit=fee.gas_limit,
            denom=amount.denom,
        )
    except ValidationError as exc:
        raise TxRejectedError(CODE_TX_DECODE, f"not a valid release: {exc}") from None


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
    """
    spec = decode_release(tx_bytes, chain_id, account_number)
    raw = tx_pb2.TxRaw()
    _parse(raw, tx_bytes, "TxRaw")
    auth_info = tx_pb2.AuthInfo()
    _parse(auth_info, raw.auth_info_bytes, "AuthInfo")
    signer_info = auth_info.signer_infos[0]
    try:
        tx_key = MultisigPubKey.from_any(signer_info.public_key)
    except ValidationError as exc:
        raise TxRejectedError(CODE_INVALID_PUBKEY, str(exc)) from None
    if tx_key != multisig or tx_key.address() != spec.vault_address:
        raise TxRejectedError(
            CODE_INVALID_PUBKEY, "the tx is not signed by the vault's multisig key"
        )
    if tx_sig_limit is not None and tx_key.size > tx_sig_limit:
        raise TxRejectedError(
            CODE_TOO_MANY_SIGNATURES,
            f"signatures: {tx_key.size}, limit: {tx_sig_limit}: too many signatures",
        )
    if signer_info.sequence != sequence:
        raise TxRejectedError(
            CODE_WRONG_SEQUENCE,
            f"account sequence mismatch, expected {sequence}, got {signer_info.sequence}",
        )
    if len(raw.signatures) != 1:
        raise TxRejectedError(CODE_UNAUTHORIZED, "a release carries exactly one (multi)signature")
    if signer_info.mode_info.WhichOneof("sum") != "multi":
        raise TxRejectedError(CODE_UNAUTHORIZED, "the vault signs with multisig mode info")
    multi = signer_info.mode_info.multi
    try:
        bits = bit_array_bits(multi.bitarray)
    except ValidationError as exc:
        raise TxRejectedError(CODE_UNAUTHORIZED, str(exc)) from None
    if len(bits) != tx_key.size:
        raise TxRejectedError(CODE_UNAUTHORIZED, "bit array size is incorrect")
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
    digest = hashlib.sha256(build_release_sign_doc(spec)).digest()
    members = [tx_key.public_keys[i] for i, bit in enumerate(bits) if bit]
    for member_pubkey, signature in zip(members, sigs, strict=True):
        if not verify_digest(member_pubkey, digest, signature):
            raise TxRejectedError(
                CODE_UNAUTHORIZED,
                f"signature verification failed; please verify account number "
                f"({account_number}), sequence ({sequence}) and chain-id ({chain_id})",
            )
    return spec
