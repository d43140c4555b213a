"""Source events: what a payout pays, as the signing journal names it.

``pokt:<TX>`` is a Pocket deposit (64 upper-case hex digits, as the SDK prints them): its mint,
or its refund. ``eth:<0x tx>:<burn index>`` is a wPOKT burn (its ordinal among the token's
``BurnAndBridge`` logs of its tx, the same wherever a reorg puts the tx): its release from the
vault, or its return (the burned wPOKT minted back to the burner). One event, one live payload
per node (``payout.journal``): a node never signs a mint and a refund of one deposit, nor a
release and a return of one burn.
"""

from __future__ import annotations

from wpokt_node.errors import ValidationError
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash


def deposit_event(tx_hash: str) -> str:
    return f"pokt:{normalize_pokt_tx_hash(tx_hash)}"


def burn_event(tx_hash: str, burn_index: int | None) -> str:
    if isinstance(burn_index, bool) or not isinstance(burn_index, int) or burn_index < 0:
        raise ValidationError("burn entry has no valid burn index")
    return f"eth:{tx_hash.strip().lower()}:{burn_index}"
