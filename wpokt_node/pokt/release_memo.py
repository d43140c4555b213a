"""Release memos and Pocket tx hashes.

A vault payout carries the reason it is paid in its memo, so anyone can match it to its cause:
``burn:<eth tx hash>:<burn index>`` for a wPOKT burn (the burn's ordinal among the token's
``BurnAndBridge`` logs of its tx, which a reorg does not change), ``refund:<pokt tx hash>`` for
a deposit paid back. Pocket tx hashes are written the way the SDK prints them: 64 upper-case hex
digits.
"""

from __future__ import annotations

import re

from wpokt_node.errors import ValidationError

_ETH_TX_HASH = re.compile(r"0x[0-9a-f]{64}")
_POKT_TX_HASH = re.compile(r"[0-9A-F]{64}")


def normalize_pokt_tx_hash(value: str) -> str:
    """Canonical Pocket tx hash: 64 upper-case hex digits (the form the SDK returns)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _POKT_TX_HASH.fullmatch(text):
        raise ValidationError(f"not a Pocket tx hash (64 hex digits): {str(value)[:80]!r}")
    return text


def burn_release_memo(eth_tx_hash: str, burn_index: int) -> str:
    """``burn:<0x eth tx hash, lower case>:<burn index>``."""
    text = eth_tx_hash.strip().lower()
    if not _ETH_TX_HASH.fullmatch(text):
        raise ValidationError(f"not an Ethereum tx hash: {eth_tx_hash[:80]!r}")
    if isinstance(burn_index, bool) or not isinstance(burn_index, int) or burn_index < 0:
        raise ValidationError(f"burn index must be a non-negative integer, got {burn_index!r}")
    return f"burn:{text}:{burn_index}"


def refund_release_memo(pokt_tx_hash: str) -> str:
    """``refund:<pokt tx hash, upper-case hex as the SDK prints it>``."""
    return f"refund:{normalize_pokt_tx_hash(pokt_tx_hash)}"
