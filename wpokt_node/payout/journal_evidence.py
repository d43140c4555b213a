"""What the shared database shows this node signed: the check that its journal is not new.

A node that lost its journal (a volume that failed to attach, a restore gone wrong) and started
on an empty one would sign again with no memory of what it signed: for an event it already
signed, a second, different payload. So a node refuses to start on an empty journal while the
database holds signatures by its keys, and an imported journal must know every event those
signatures are for. The database is not trusted: a writer can forge such records and so keep
a node with an empty journal from starting (a refusal, never a signature), or delete them (then
only the operator's restore procedure stands between the node and an empty journal).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.custody.source_events import burn_event, deposit_event
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, MintSource
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.keys.signer import eth_address_of, pokt_address_of

Document = dict[str, Any]
MAX_LISTED = 5


def _event(collection: str, doc: Mapping[str, Any]) -> str | None:
    try:
        if collection == BURNS or doc.get("source") == MintSource.BURN_RETURN.value:
            return burn_event(str(doc.get("transaction_hash", "")), doc.get("burn_index"))
        return deposit_event(str(doc.get("transaction_hash", "")))
    except ValidationError:
        return None


def signer_identities(eth_public_key: bytes, pokt_public_key: bytes) -> set[str]:
    """How this node's keys appear as ``signer`` on stored signatures: its Ethereum address
    (mints), its Pocket public key hex (multisig releases), its member address (group votes)."""
    return {
        eth_address_of(eth_public_key),
        pokt_public_key.hex(),
        pokt_address_of(pokt_public_key),
    }


def signed_by(db: Database[Document], identities: Collection[str]) -> dict[str, str]:
    """Source event -> ``collection/_id`` of each entry whose stored signatures name one of
    ``identities`` (this node's Ethereum address, Pocket public key hex, member address)."""
    found: dict[str, str] = {}
    # equality per identity: the embedded test server does not apply $in to array elements
    query = {"$or": [{"signatures.signer": identity} for identity in sorted(identities)]}
    projection = {"transaction_hash": 1, "burn_index": 1, "source": 1}
    try:
        for collection in (MINTS, BURNS, REFUNDS):
            for doc in db[collection].find(query, projection=projection):
                event = _event(collection, doc)
                if event is not None:
                    found.setdefault(event, f"{collection}/{doc['_id']}")
    except PyMongoError as exc:
        raise DatabaseError(f"reading this node's signatures failed: {exc}") from None
    return found


def missing_from(journal_events: Collection[str], signed: Mapping[str, str]) -> list[str]:
    """``event (entry)`` for each event the database says this node signed and the journal
    does not know, at most ``MAX_LISTED`` of them then a count."""
    missing = [
        f"{event} ({signed[event]})" for event in sorted(signed) if event not in journal_events
    ]
    if len(missing) > MAX_LISTED:
        return [*missing[:MAX_LISTED], f"and {len(missing) - MAX_LISTED} more"]
    return missing
