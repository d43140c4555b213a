"""Proof that a source tx does not exist, from this node's own observation.

A Pocket tx that this node's RPC does not know may simply not be indexed yet (CometBFT indexes
a block's txs after it reports the block as latest), and the height an entry claims comes from
the shared database, which is not trusted. So a source tx counts as absent only when this node
itself has looked for it and found nothing while the chain advanced ``blocks`` blocks: a real
tx is indexed long before that. The observations live in memory; a restart starts them again,
which only delays the verdict.
"""

from __future__ import annotations

from collections import OrderedDict

_CAPACITY = 10_000  # entries watched at once; the oldest observation is dropped beyond it


class MissingTxTracker:
    def __init__(self, blocks: int) -> None:
        if blocks < 1:
            raise ValueError("blocks must be at least 1")
        self.blocks = blocks
        self._first_missing: OrderedDict[str, int] = OrderedDict()

    def proven_absent(self, key: str, latest_height: int) -> bool:
        """Record that ``key`` is unknown at ``latest_height``; True once it has been unknown
        for ``blocks`` blocks of this node's own observation."""
        first = self._first_missing.get(key)
        if first is None:
            self._first_missing[key] = latest_height
            while len(self._first_missing) > _CAPACITY:
                self._first_missing.popitem(last=False)
            return False
        return latest_height - first >= self.blocks

    def found(self, key: str) -> None:
        self._first_missing.pop(key, None)
