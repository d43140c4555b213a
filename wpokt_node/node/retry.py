"""``admin retry``: an entry that failed for a transient reason goes back into the flow when the
chain proves it safe.

The one failure the chain can overturn is ``source gone``: a node did not find the source
event (its RPC lagged or lost its index) for ``pocket.missing_tx_blocks`` blocks. The watchers
revive such an entry themselves when their re-scan window still covers it; this tool does the
same for an older one. It re-reads the source from this node's own RPC, builds the entry a
scan would record, and moves the failed entry back to ``detected`` with the chain's source
fields only if that entry's unique key (its source event) is the one recorded. From
``detected`` every node re-reads the source again before confirming; the signing journals,
the token's per-recipient nonce and the payout recognition (``payout/repair.py``) keep any
payout of the event to one, as for every revived entry. Every other failure (an amount the
vault cannot pay, a duplicate, a refund an operator must pay) is final: refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database

from wpokt_node.burn.reobserve import burn_documents
from wpokt_node.config import Settings
from wpokt_node.db.schema import (
    BURNS,
    MINTS,
    REFUNDS,
    SOURCE_GONE,
    UNIQUE_KEYS,
    MintSource,
    Status,
    entry_collection,
)
from wpokt_node.db.transitions import revive_entry
from wpokt_node.errors import ValidationError
from wpokt_node.eth.client import EthClient
from wpokt_node.mint.reobserve import deposit_document
from wpokt_node.mint.rescan import SOURCE_FIELDS as DEPOSIT_FIELDS
from wpokt_node.pokt.client import PocketClient

Document = dict[str, Any]
# what a watcher restores when it revives an entry (``burn/watcher.py``, ``mint/rescan.py``)
BURN_FIELDS = ("from_address", "to_address", "amount", "height", "block_hash", "log_index")


@dataclass(frozen=True, slots=True)
class Chains:
    pokt: PocketClient
    eth: EthClient


def retry_entry(
    settings: Settings,
    db: Database[Document],
    chains: Chains,
    collection: str,
    entry_id: str,
    *,
    by: str,
    dry_run: bool,
) -> str:
    """Move the failed entry back to ``detected``; what was done, or ``ValidationError`` with
    the reason nothing was."""
    entry = _failed_as_absent(db, entry_collection(collection), entry_id)
    document = _from_chain(settings, chains, collection, entry)
    key = UNIQUE_KEYS[collection]
    if any(document[name] != entry.get(name) for name in key):
        raise ValidationError(
            f"the chain's source event is not this entry's ({', '.join(key)} differ): the "
            "entry was edited in the database; it stays failed"
        )
    where = f"{collection} {entry['_id']}"
    if dry_run:
        return f"{where}: the source is on chain; would move failed -> detected (dry run)"
    names = BURN_FIELDS if collection == BURNS else DEPOSIT_FIELDS
    fields = {name: document[name] for name in names if name in document}
    moved = revive_entry(db, collection, entry["_id"], node_id=settings.node_id,
                         reason=f"operator retry by {by}: the source is on chain",
                         fields=fields)  # fmt: skip
    if not moved:
        raise ValidationError(f"{where} changed while this ran; nothing moved")
    return f"{where}: failed -> detected (every node re-reads the source before signing)"


def _failed_as_absent(db: Database[Document], collection: str, entry_id: str) -> Document:
    try:
        object_id = ObjectId(entry_id)
    except (InvalidId, TypeError):
        raise ValidationError(f"{entry_id!r} is not an entry id (24 hex digits)") from None
    entry = db[collection].find_one({"_id": object_id})
    if entry is None:
        raise ValidationError(f"no {collection} entry {entry_id}")
    if entry.get("status") != Status.FAILED.value:
        raise ValidationError(
            f"{collection} {entry_id} is {entry.get('status')}: only a failed entry is retried"
        )
    error = str(entry.get("error") or "")
    if not error.startswith(SOURCE_GONE):
        raise ValidationError(
            f"{collection} {entry_id} failed for a reason the chain cannot overturn "
            f"({error[:120]!r}); only entries failed as absent ('source gone') are retried"
        )
    return entry


def _from_chain(settings: Settings, chains: Chains, collection: str, entry: Document) -> Document:
    tx_hash = str(entry.get("transaction_hash") or "")
    if collection == BURNS:
        index = entry.get("burn_index")
        found = [d for d in burn_documents(settings, chains.eth, tx_hash, log_index=None)
                 if d["burn_index"] == index]  # fmt: skip
        if not found:
            raise ValidationError(f"Ethereum tx {tx_hash} holds no burn number {index}")
        return found[0]
    if collection == MINTS and entry.get("source") == MintSource.BURN_RETURN.value:
        raise ValidationError(
            "a burn's return is recorded again by the burn-watcher from its failed burn; "
            "retry the burn instead"
        )
    recorded_in, document = deposit_document(settings, chains.pokt, tx_hash)
    if recorded_in != collection:
        other = REFUNDS if collection == MINTS else MINTS
        raise ValidationError(
            f"Pocket tx {tx_hash} is recorded by a scan in {other}, not {collection}: the "
            "entry was edited in the database; it stays failed"
        )
    return document
