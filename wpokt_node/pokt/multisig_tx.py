"""Assemble the vault's signed release tx from the members' signatures.

``assemble_multisig_tx`` verifies each collected signature, keeps the first ``threshold`` valid
ones in key order (so any node assembling the same signatures gets the same bytes and hash),
builds the ``TxRaw``, and checks the result from its bytes alone (``tx_verify``) before it is
returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

from wpokt_node.errors import SigningError
from wpokt_node.keys.signer import verify_digest
from wpokt_node.logs import get_logger
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.release_spec import ReleaseSpec, release_digest
from wpokt_node.pokt.tx_encoding import build_auth_info, build_tx_body, tx_hash
from wpokt_node.pokt.tx_verify import verify_multisig_tx

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AssembledTx:
    tx_bytes: bytes
    tx_hash: str
    signer_indices: tuple[int, ...]


def _valid_signatures(
    spec: ReleaseSpec, multisig: MultisigPubKey, signatures: Mapping[bytes, bytes]
) -> dict[int, bytes]:
    """The signatures that verify, by member key index; the others are dropped and logged."""
    digest = release_digest(spec)
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
    return valid


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
    valid = _valid_signatures(spec, multisig, signatures)
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
