"""Bring documents written by an earlier version up to the current schema. ``db init`` runs
these before it builds the indexes; each step is idempotent and safe from several nodes at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pymongo.collection import Collection

from wpokt_node.db.schema import MintSource
from wpokt_node.errors import DatabaseError

Document = dict[str, Any]


def number_recorded_burns(burns: Collection[Document]) -> int:
    """Give each burn recorded before burns were keyed by ``burn_index`` its burn index: its
    ordinal by ``log_index`` among the burns of its tx recorded from the same block (the
    watcher records every burn log of a tx from the block it scanned, so this is the chain's
    ordinal). Returns how many entries were numbered.

    A burn recorded twice, from two blocks (a reorg re-included its tx at another log index
    while burns were keyed by the log index), gets the same index twice: that is refused with
    the entries named, for an operator to settle before ``db init`` can build the unique index.
    """
    unnumbered = burns.find({"burn_index": {"$exists": False}}, projection={"transaction_hash": 1})
    numbered = 0
    for tx in sorted({str(d["transaction_hash"]) for d in unnumbered}):
        recorded = list(
            burns.find(
                {"transaction_hash": tx},
                projection={"block_hash": 1, "log_index": 1, "burn_index": 1, "status": 1},
            )
        )
        by_block: defaultdict[str, list[Document]] = defaultdict(list)
        for doc in recorded:
            by_block[str(doc.get("block_hash"))].append(doc)
        for docs in by_block.values():
            for index, doc in enumerate(sorted(docs, key=lambda d: int(d["log_index"]))):
                if "burn_index" not in doc:
                    doc["burn_index"] = index
                    result = burns.update_one(
                        {"_id": doc["_id"], "burn_index": {"$exists": False}},
                        {"$set": {"burn_index": index}},
                    )
                    numbered += result.modified_count
        _refuse_doubles(tx, recorded)
    return numbered


def _refuse_doubles(tx: str, recorded: list[Document]) -> None:
    counts = Counter(int(doc["burn_index"]) for doc in recorded)
    doubles = [
        f"{doc['_id']} ({doc.get('status')}, block {doc.get('block_hash')})"
        for doc in recorded
        if counts[int(doc["burn_index"])] > 1
    ]
    if doubles:
        raise DatabaseError(
            f"burns: tx {tx} was recorded again after a reorg moved it: entries "
            f"{', '.join(doubles)} are the same burn; leave one of them (the paid one, if any) and "
            "run db init again"
        )


def key_recorded_mints(mints: Collection[Document]) -> int:
    """Give each mint recorded before mints were keyed by their source event its
    ``source_event`` (``pokt:<TX>``: until then every mint paid a deposit) and its ``source``.
    Returns how many entries were keyed."""
    keyed = 0
    for doc in mints.find(
        {"source_event": {"$exists": False}}, projection={"transaction_hash": 1, "source": 1}
    ):
        fields = {"source_event": f"pokt:{str(doc.get('transaction_hash', '')).strip().upper()}"}
        if doc.get("source") is None:
            fields["source"] = MintSource.DEPOSIT.value
        result = mints.update_one(
            {"_id": doc["_id"], "source_event": {"$exists": False}}, {"$set": fields}
        )
        keyed += result.modified_count
    return keyed
