"""The ``burns`` entry built from a ``BurnAndBridge`` log (the schema lives in ``db/schema.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wpokt_node.db.models import new_entry
from wpokt_node.eth.events import BurnEvent


def burn_document(
    event: BurnEvent, confirmations: int, now: datetime | None = None
) -> dict[str, Any]:
    """A fresh ``detected`` burn entry: amount as a decimal string, addresses normalised; keyed
    by ``(transaction_hash, burn_index)``, with ``log_index``, ``height`` and ``block_hash``
    saying where the burn was seen."""
    return new_entry(
        transaction_hash=event.transaction_hash.lower(),
        height=event.block_number,
        from_address=event.from_address,
        to_address=event.to_address,
        amount=event.amount,
        memo=None,
        confirmations=confirmations,
        now=now,
        burn_index=event.burn_index,
        log_index=event.log_index,
        block_hash=event.block_hash.lower(),
        sequence=None,
    )
