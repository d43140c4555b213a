"""Gaps below a started entry's nonce or vault sequence.

The chain executes a recipient's mint nonces, or a vault's sequences, one after the other. A
node signs an entry's number only if every number between the chain's next one and it is held
by an open entry that the node can verify against the chain itself: a forged entry, or one
whose number was moved ahead, can then never make the nodes sign a payload that would wait
behind a number nobody can use. A gap whose holder can never use it (none, deleted, failed,
moved on) is *free*: an unsigned entry above it is prepared again and takes it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping

from pymongo.database import Database

from wpokt_node.custody.base import Gap
from wpokt_node.db import reservations
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import Status
from wpokt_node.errors import ValidationError

Document = dict[str, object]
Verify = Callable[[Entry], str | None]  # None: the holder checks out; else why not

_PREPARING = (Status.DETECTED, Status.CONFIRMED)


class VouchedHolders:
    """Holders this node has verified, remembered by the fields the verification reads.

    A node signs entry after entry of one recipient, and each one's gap check verifies every
    open holder below it again against the chain: quadratic in the queue. A holder whose
    source event is confirmed (as deep as the config requires: the depth the signing rule
    trusts) checks out again while the fields in ``key_fields`` are unchanged; any edit of them
    makes a new key (verified afresh). Only such a success is remembered: a failure may be an
    RPC that has not caught up, and a shallower event could still be reorganised away.
    """

    def __init__(self, key_fields: Collection[str], capacity: int = 4096) -> None:
        self.key_fields = tuple(sorted(key_fields))
        self.capacity = capacity
        self._vouched: OrderedDict[str, None] = OrderedDict()

    def knows(self, holder: Entry) -> bool:
        key = self._key(holder)
        if key is None or key not in self._vouched:
            return False
        self._vouched.move_to_end(key)
        return True

    def remember(self, holder: Entry) -> None:
        key = self._key(holder)
        if key is None:
            return
        self._vouched[key] = None
        if len(self._vouched) > self.capacity:
            self._vouched.popitem(last=False)

    def _key(self, holder: Entry) -> str | None:
        if not holder.document:
            return None  # nothing to key it on
        fields = {name: holder.document.get(name) for name in self.key_fields}
        return json.dumps([holder.collection, str(holder.id), fields], sort_keys=True, default=repr)


def first_gap(
    db: Database[Document],
    *,
    kind: str,
    scope: str,
    number_field: str,
    chain_next: int,
    number: int,
    verify: Verify,
) -> Gap | None:
    """The first number in ``[chain_next, number)`` not held by an open entry that ``verify``
    accepts, or None. The reservations and their entries are read at once (two reads)."""
    numbers = range(max(chain_next, number - reservations.MAX_AHEAD), number)
    if not numbers:
        return None
    booked = reservations.holders(db, kind, scope, numbers)
    entries = reservations.holder_entries(db, booked.values())
    for below in numbers:
        holder = _holder(booked.get(below), entries, number_field, below)
        gap = holder if isinstance(holder, Gap) else _unverified(holder, below, verify)
        if gap is not None:
            return gap
    return None


def _holder(
    reservation: Document | None,
    entries: Mapping[tuple[str, object], Document],
    number_field: str,
    number: int,
) -> Entry | Gap:
    """The entry that holds ``number``, or the gap its absence makes."""
    if reservation is None:
        return Gap(number, "no entry holds it", free=True)
    collection = str(reservation.get("collection"))
    # an id of another type (a forged reservation) names no entry: its number is free
    document = reservations.holder_entry(entries, reservation)
    if reservations.holder_is_stale(reservation, document, number_field):
        return Gap(number, "its holder is gone, failed or holds another number", free=True)
    assert document is not None  # a missing holder is stale
    try:
        return Entry.from_document(collection, document)
    except ValidationError as malformed:
        # no node processes a malformed entry, so it can gather no signature as it is
        return Gap(number, f"its holder is malformed: {malformed}", free=True)


def _unverified(holder: Entry, number: int, verify: Verify) -> Gap | None:
    if holder.status in _PREPARING:
        return Gap(number, f"its holder {holder.id} is still being prepared", free=False)
    if holder.status is Status.EXECUTED:
        # Executed on the chain would have moved the chain's next number past it.
        return Gap(number, f"its holder {holder.id} says executed; the chain disagrees", True)
    problem = verify(holder)
    if problem is None:
        return None
    return Gap(number, f"its holder {holder.id} does not check out: {problem}", free=False)
