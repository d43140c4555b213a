"""Burn returns: a burn whose Pocket recipient can never be paid is minted back to the burner.

The release back ends refuse such a burn before any fee (``recipient_is_module_account``,
``recipient_is_the_vault``: ``pokt.recipients``) and the payout machine fails it; its POKT
stays in the vault. The burn watcher then records, once (``insert_once``, whichever node is
first), a ``mints`` entry that mints the same amount back to the burner: ``source:
"burn_return"``, the burn's ``transaction_hash`` and ``burn_index``, ``source_event`` the
burn's own, ``reason`` the burn's error, ``burn_recipient`` the address that cannot receive.
The mint executor pays it like any mint. The ``failed`` burn is only the trigger: the database
is not trusted, and every signer first checks the burn and its recipient on its own RPCs
(``custody.burn_return``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.amounts import amount_from_db
from wpokt_node.custody.source_events import burn_event
from wpokt_node.db.entries import insert_once
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import BURNS, MINTS, MintSource, Status
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.eth.mint_order import checksum
from wpokt_node.logs import get_logger
from wpokt_node.pokt.recipients import UNPAYABLE_RECIPIENTS

log = get_logger(__name__)

Document = dict[str, Any]
_KEY = ("transaction_hash", "from_address", "amount", "source_event")


def return_document(burn: Mapping[str, Any]) -> Document:
    """The ``mints`` entry that returns a failed ``burns`` entry to its burner; ValidationError
    if the burn entry is not readable as one."""
    burn_index = burn.get("burn_index")
    if isinstance(burn_index, bool) or not isinstance(burn_index, int):
        raise ValidationError("the burn has no burn index")
    height = burn.get("height")
    if isinstance(height, bool) or not isinstance(height, int):
        raise ValidationError("the burn has no height")
    tx_hash = str(burn.get("transaction_hash", "")).strip().lower()
    burner = str(burn.get("from_address", ""))
    return new_entry(
        transaction_hash=tx_hash,
        height=height,
        from_address=burner,
        to_address=checksum(burner, "burner"),
        amount=amount_from_db(burn.get("amount")),
        source=MintSource.BURN_RETURN.value,
        source_event=burn_event(tx_hash, burn_index),
        burn_index=burn_index,
        burn_recipient=str(burn.get("to_address", "")),
        reason=str(burn.get("error")),
        nonce=None,
    )


def record_burn_returns(db: Database[Document]) -> int:
    """Record a return for every burn failed because its recipient can never be paid that has
    none yet; returns how many were recorded."""
    try:
        failed = list(
            db[BURNS].find(
                {"status": Status.FAILED.value, "error": {"$in": list(UNPAYABLE_RECIPIENTS)}}
            )
        )
        if not failed:
            return 0
        txs = sorted({str(b.get("transaction_hash", "")).strip().lower() for b in failed})
        recorded = {
            tuple(doc.get(name) for name in _KEY)
            for doc in db[MINTS].find(
                {"transaction_hash": {"$in": txs}}, projection=dict.fromkeys(_KEY, 1)
            )
        }
    except PyMongoError as exc:
        raise DatabaseError(f"burn returns: read failed: {exc}") from None
    inserted = 0
    for burn in failed:
        try:
            document = return_document(burn)
        except ValidationError as exc:
            log.error("failed burn not returnable", alert=True, entry_id=str(burn.get("_id")),
                      reason=str(exc))  # fmt: skip
            continue
        if tuple(document[name] for name in _KEY) in recorded:
            continue
        if insert_once(db[MINTS], document).inserted:
            inserted += 1
            log.warning("burn return recorded", burn_id=str(burn.get("_id")),
                        source_event=document["source_event"])  # fmt: skip
    return inserted
