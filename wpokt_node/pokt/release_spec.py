"""What a vault payout signs: ``ReleaseSpec``, its amino JSON sign doc, and one node's signature.

Every node builds the ``ReleaseSpec`` of a payout itself, from chain data and its own config:
chain id, vault account number and sequence, recipient, amount, fee, gas and memo (see
``release_memo``). ``build_release_sign_doc`` gives the amino JSON bytes the SDK checks;
``sign_release`` signs their sha256 with this node's key (64-byte low-S ``r||s``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.errors import SigningError, ValidationError
from wpokt_node.keys.signer import Secp256k1Signer, verify_digest
from wpokt_node.pokt.amino_json import (
    Coin,
    msg_send_amino,
    std_fee_amino,
    std_sign_bytes,
    uint64_str,
)

MAX_MEMO_CHARACTERS = 256
_MEMO_CHARS = re.compile(r"[\x20-\x7e]*")


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


def release_digest(spec: ReleaseSpec) -> bytes:
    """sha256 of the sign doc: what every member key signs."""
    return hashlib.sha256(build_release_sign_doc(spec)).digest()


def sign_release(signer: Secp256k1Signer, sign_doc: bytes) -> bytes:
    """This node's 64-byte low-S signature over sha256(sign_doc), checked before it is returned."""
    digest = hashlib.sha256(sign_doc).digest()
    signature = signer.sign_digest(digest).rs_bytes()
    if not verify_digest(signer.public_key, digest, signature):
        raise SigningError("the signer produced a signature that does not verify")
    return signature
