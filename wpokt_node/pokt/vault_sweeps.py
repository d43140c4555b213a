"""What a retired vault paid in fees for its migration sweeps (its POKT moved to the current
vault): paid out of the backing by design, so the books and the supply monitor count them."""

from __future__ import annotations

from wpokt_node.pokt.client import PocketClient

SWEEP_MEMO_PREFIX = "wpokt migration: sweep to "


def sweep_fees(pokt: PocketClient, vault: str, denom: str) -> int:
    """The fees the old vault paid for its sweeps: its last txs, walked back from its current
    sequence while they carry the sweep memo (after the cut-over it sends nothing else)."""
    account = pokt.account(vault)
    total = 0
    sequence = (account.sequence if account else 0) - 1
    while sequence >= 0:
        done = pokt.tx_at_sequence(vault, sequence)
        tx = (done or {}).get("tx") or {}
        if not str((tx.get("body") or {}).get("memo", "")).startswith(SWEEP_MEMO_PREFIX):
            break
        coins = ((tx.get("auth_info") or {}).get("fee") or {}).get("amount") or []
        total += sum(int(c["amount"]) for c in coins if c.get("denom") == denom)
        sequence -= 1
    return total
