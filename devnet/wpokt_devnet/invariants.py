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


def _sum(db: Database[Document], collection: str, statuses: set[str] | None = None) -> int:
    total = 0
    for doc in db[collection].find({}, projection={"amount": 1, "status": 1}):
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
) -> InvariantReport:
    report = InvariantReport()
    executed = {Status.EXECUTED.value}
    open_statuses = {s.value for s in Status if s not in TERMINAL}
    minted = _sum(db, MINTS, executed)
    burned = _sum(db, BURNS, executed)
    burned_all = _sum(db, BURNS)
    refunded = _sum(db, REFUNDS, executed)
    deposits = _sum(db, MINTS) + _sum(db, REFUNDS)
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
    for name, key in ((MINTS, "transaction_hash"), (REFUNDS, "transaction_hash")):
        counts = Counter(str(d[key]) for d in db[name].find({}, projection={key: 1}))
        report.problems.extend(
            f"{name}: source tx {tx} recorded {n} times" for tx, n in counts.items() if n > 1
        )
    both = {str(d["transaction_hash"]) for d in db[MINTS].find({}, {"transaction_hash": 1})} & {
        str(d["transaction_hash"]) for d in db[REFUNDS].find({}, {"transaction_hash": 1})
    }
    report.problems.extend(f"deposit {tx} is both a mint and a refund" for tx in sorted(both))
    burn_keys = Counter(
        (str(d["transaction_hash"]), int(d["burn_index"]))
        for d in db[BURNS].find({}, projection={"transaction_hash": 1, "burn_index": 1})
    )
    report.problems.extend(
        f"burns: burn {tx}:{index} recorded {n} times"
        for (tx, index), n in burn_keys.items()
        if n > 1
    )
    if expect_quiescent:
        for name in (MINTS, BURNS, REFUNDS):
            for doc in db[name].find({"status": {"$in": sorted(open_statuses)}}):
                report.problems.append(f"{name}/{doc['_id']} still {doc['status']}")
    return report
