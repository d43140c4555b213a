"""Bridge invariants, checked against the chains and the database of a devnet.

- wPOKT total supply = executed mints − every recorded burn (a burn lowers the supply when it
  happens, whether or not it is paid: one below the minimum payout fails and its POKT stays in
  the vault);
- vault balance = deposits − executed refunds − executed burn payouts: a group vault pays the
  whole amount (the members pay the fees), a multisig vault takes the fee from the amount
  paid (docs/architecture.md), so every executed release lowers the vault by exactly its entry
  amount;
- every source event is recorded exactly once;
- no entry is left open (checked when the caller expects quiescence).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database

from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, TERMINAL, Status

Document = dict[str, Any]


@dataclass(slots=True)
class InvariantReport:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sum(
    db: Database[Document],
    collection: str,
    statuses: set[str] | None = None,
    exclude: Collection[object] = (),
) -> int:
    total = 0
    for doc in db[collection].find({}, projection={"amount": 1, "status": 1}):
        if doc["_id"] in exclude:
            continue
        if statuses is None or doc.get("status") in statuses:
            total += int(doc["amount"])
    return total


def check_invariants(
    db: Database[Document],
    *,
    wpokt_supply: int,
    vault_balance: int,
    vault_initial_balance: int = 0,
    expect_quiescent: bool = True,
    forged: Collection[object] = (),
) -> InvariantReport:
    """``forged``: ids of entries an attacker wrote into the database, which stand for no
    source event and are left out of the sums."""
    report = InvariantReport()
    executed = {Status.EXECUTED.value}
    open_statuses = {s.value for s in Status if s not in TERMINAL}
    minted = _sum(db, MINTS, executed, forged)
    burned = _sum(db, BURNS, executed, forged)
    burned_all = _sum(db, BURNS, None, forged)
    refunded = _sum(db, REFUNDS, executed, forged)
    deposits = _sum(db, MINTS, None, forged) + _sum(db, REFUNDS, None, forged)
    report.figures.update(
        minted=minted,
        burned=burned,
        burned_unpaid=burned_all - burned,
        refunded=refunded,
        deposits=deposits,
        wpokt_supply=wpokt_supply,
        vault_balance=vault_balance,
    )
    if wpokt_supply != minted - burned_all:
        report.problems.append(
            f"wPOKT supply {wpokt_supply} != executed mints {minted} - recorded burns {burned_all}"
        )
    expected_vault = vault_initial_balance + deposits - refunded - burned
    if vault_balance != expected_vault:
        report.problems.append(
            f"vault balance {vault_balance} != initial {vault_initial_balance} + deposits "
            f"{deposits} - refunds {refunded} - burn payouts {burned} (fees included)"
        )
    report.problems.extend(_recorded_twice(db, forged))
    if expect_quiescent:
        for name in (MINTS, BURNS, REFUNDS):
            for doc in db[name].find({"status": {"$in": sorted(open_statuses)}}):
                report.problems.append(f"{name}/{doc['_id']} still {doc['status']}")
    return report


def _recorded_twice(db: Database[Document], forged: Collection[object]) -> list[str]:
    """Every source event (its tx hash in any spelling) recorded by more than one entry."""

    def keys(collection: str, *fields: str) -> list[tuple[str, ...]]:
        return [
            tuple(str(d[f]).lower() for f in fields)
            for d in db[collection].find({}, projection=dict.fromkeys(fields, 1))
            if d["_id"] not in forged
        ]

    problems = [
        f"{name}: source tx {tx} recorded {n} times"
        for name in (MINTS, REFUNDS)
        for (tx,), n in Counter(keys(name, "transaction_hash")).items()
        if n > 1
    ]
    both = set(keys(MINTS, "transaction_hash")) & set(keys(REFUNDS, "transaction_hash"))
    problems.extend(f"deposit {tx} is both a mint and a refund" for (tx,) in sorted(both))
    problems.extend(
        f"burns: burn {tx}:{index} recorded {n} times"
        for (tx, index), n in Counter(keys(BURNS, "transaction_hash", "burn_index")).items()
        if n > 1
    )
    return problems
