"""The bridge's books across a migration: wPOKT supply against the POKT in the vaults.

Every wPOKT is backed by one upokt in a vault. What a vault holds beyond the supply is exactly
what the bridge kept without minting or paying: deposits that failed to mint or to refund, and
burns that failed and were not minted back (their POKT stays). So at rest

    current vault + retired vaults + fees of sweeps = supply + failed mints + failed refunds
                                                      + failed burns - executed burn returns

and every entry is closed. The entries come from the shared database, which a writer can
edit: ``verify`` is the operators' check that the books close, not a proof against that writer
(the cut-over heights and the nodes' journals are). A sweep (``migration.sweep``) is the only
payment that is no entry: the old vault pays its fee, one network fee per sweep, out of the
backing. Any other difference names lost or doubled money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.amounts import amount_from_db
from wpokt_node.db.schema import (
    BURNS,
    DUPLICATE,
    MINTS,
    REFUNDS,
    SOURCE_GONE,
    TERMINAL,
    MintSource,
    Status,
)
from wpokt_node.errors import DatabaseError, ValidationError

Document = dict[str, Any]
_CLOSED = [s.value for s in TERMINAL]


@dataclass(slots=True)
class Books:
    supply: int
    vault: int
    retired: dict[str, int]
    sweep_fees: int = 0  # paid by the old vaults' sweeps, out of the backing
    kept: int = 0  # POKT the bridge holds without wPOKT: failed deposits and unreturned burns
    open_entries: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    @property
    def difference(self) -> int:
        """Vaults minus what they must hold; 0 when nothing is lost or doubled."""
        return self.held + self.sweep_fees - self.supply - self.kept

    @property
    def held(self) -> int:
        return self.vault + sum(self.retired.values())

    def problems(self) -> list[str]:
        found = [f"{n} {c} entries still open" for c, n in self.open_entries.items() if n]
        found += [f"unreadable entry {u}" for u in self.unreadable]
        found += [
            f"retired vault {a} still holds {b}upokt: sweep it again"
            for a, b in self.retired.items()
            if b
        ]
        if self.difference:
            found.append(
                f"vaults hold {self.held}upokt and sweeps paid {self.sweep_fees}upokt in fees, "
                f"the books say {self.supply + self.kept}upokt (supply {self.supply} + kept "
                f"{self.kept}): difference {self.difference:+d}"
            )
        return found


def _amounts(
    db: Database[Document], collection: str, query: Mapping[str, Any], books: Books
) -> int:
    total = 0
    for doc in db[collection].find(dict(query), projection={"amount": 1, "error": 1}):
        if str(doc.get("error") or "").startswith((SOURCE_GONE, DUPLICATE)):
            continue  # a forged entry (source gone) or a copy (duplicate) brought no POKT
        try:
            total += amount_from_db(doc.get("amount"))
        except ValidationError:
            books.unreadable.append(f"{collection}/{doc.get('_id')}")
    return total


def read_books(
    db: Database[Document],
    *,
    supply: int,
    vault: int,
    retired: Mapping[str, int],
    sweep_fees: int = 0,
) -> Books:
    """The books from the shared database's entries and the chains' balances."""
    books = Books(supply=supply, vault=vault, retired=dict(retired), sweep_fees=sweep_fees)
    failed = {"status": Status.FAILED.value}
    returned = {"status": Status.EXECUTED.value, "source": MintSource.BURN_RETURN.value}
    try:
        for collection in (MINTS, BURNS, REFUNDS):
            books.open_entries[collection] = db[collection].count_documents(
                {"status": {"$nin": _CLOSED}}
            )
        failed_deposits = {**failed, "source": {"$ne": MintSource.BURN_RETURN.value}}
        books.kept = (
            _amounts(db, MINTS, failed_deposits, books)
            + _amounts(db, REFUNDS, failed, books)
            + _amounts(db, BURNS, failed, books)
            - _amounts(db, MINTS, returned, books)
        )
    except PyMongoError as exc:
        raise DatabaseError(f"reading the entries failed: {exc}") from None
    return books
