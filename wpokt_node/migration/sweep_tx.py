"""Send a signed sweep: T old members' signatures assembled into the multisig tx (verified from
its bytes, ``pokt.multisig_tx``), broadcast, waited for; a plan already on chain or stale is
refused, naming why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wpokt_node.errors import ChainError, SigningError
from wpokt_node.migration.sweep import (
    WAIT_S,
    MigrationError,
    SweepPlan,
    SweepSignature,
)
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.multisig_tx import assemble_multisig_tx


def _already_swept(pokt: PocketClient, plan: SweepPlan) -> str | None:
    """The hash of the committed tx that ran this plan, if the old vault's slot holds it."""
    spec = plan.spec
    done = pokt.tx_at_sequence(spec.vault_address, spec.sequence)
    if done is None or int(done.get("code") or 0) != 0:
        return None
    body = (done.get("tx") or {}).get("body") or {}
    messages = body.get("messages") or []
    sends = [
        m for m in messages
        if m.get("to_address") == spec.recipient
        and m.get("amount") == [{"denom": spec.denom, "amount": str(spec.amount)}]
    ]  # fmt: skip
    return str(done.get("txhash")) if sends and body.get("memo") == spec.memo else None


def send_sweep(
    plan: SweepPlan,
    signatures: Sequence[SweepSignature],
    pokt: PocketClient,
    *,
    tx_sig_limit: int | None = None,
) -> str:
    """Assemble T member signatures, broadcast, wait for the block; the tx hash. Refuses a plan
    already on chain (naming its tx) and a stale one (the old vault's sequence moved)."""
    if any(s.sign_doc_sha256 != plan.digest for s in signatures):
        raise MigrationError("a signature file is for another sweep plan")
    spec = plan.spec
    account = pokt.account(spec.vault_address)
    current = account.sequence if account else 0
    if current != spec.sequence:
        done = _already_swept(pokt, plan)
        if done is not None:
            raise MigrationError(f"this sweep is already on chain in tx {done}")
        raise MigrationError(
            f"the plan is stale: the old vault's sequence is {current}, the plan's "
            f"{spec.sequence}; build and sign a new plan"
        )
    by_key: Mapping[bytes, bytes] = {s.public_key: s.signature for s in signatures}
    try:
        assembled = assemble_multisig_tx(spec, plan.multisig, by_key, tx_sig_limit=tx_sig_limit)
    except SigningError as exc:
        raise MigrationError(f"cannot assemble the sweep: {exc}") from None
    result = pokt.broadcast(assembled.tx_bytes)
    if not result.accepted:
        raise ChainError(f"the sweep was refused: code {result.code}: {result.raw_log[:300]}")
    found = pokt.wait_for_tx(assembled.tx_hash, timeout_s=WAIT_S, poll_s=0.3)
    if found is None:
        raise ChainError(f"sweep tx {assembled.tx_hash} was not in a block after {WAIT_S:.0f}s")
    if int(found.get("code") or 0) != 0:
        raise ChainError(f"sweep tx {assembled.tx_hash} failed: {found.get('raw_log', '')!s:.300}")
    return assembled.tx_hash
