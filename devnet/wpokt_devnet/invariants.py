"""Bridge invariants, checked against the chains and the database of a devnet.

- wPOKT total supply = executed mints − every recorded burn (a burn lowers the supply when it
  happens, whether or not it is paid: one below the minimum payout fails and its POKT stays in
  the vault). The executed mints include burn returns: a burn whose recipient can never be paid
  is minted back to the burner, so its burn and its return cancel out;
- vault balance = deposits − executed refunds − executed burn payouts: a group vault pays the
  whole amount (the members pay the fees), a multisig vault takes the fee from the amount
  paid (docs/architecture.md), so every executed release lowers the vault by exactly its entry
  amount. A return is no deposit and moves no POKT: a returned burn's POKT stays in the vault,
  backing the wPOKT minted back;
- every source event is recorded exactly once; a return names a burn failed because its
  recipient can never be paid, with the burn's amount and burner; no burn is both paid and
  returned, nor returned twice;
- no entry is left open, and every burn failed for its recipient is returned (checked when the
  caller expects quiescence).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database

from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, TERMINAL, MintSource, Status
from wpokt_node.pokt.recipients import UNPAYABLE_RECIPIENTS

Document = dict[str, Any]


@dataclass(slots=True)
class InvariantReport:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sum(docs: list[Document], statuses: set[str] | None = None) -> int:
    return sum(
        int(doc["amount"]) for doc in docs if statuses is None or doc.get("status") in statuses
    )


def _burn_key(doc: Document) -> tuple[str, int]:
    return str(doc["transaction_hash"]).lower(), int(doc["burn_index"])


def _executed(docs: list[Document]) -> set[tuple[str, int]]:
    return {_burn_key(d) for d in docs if d.get("status") == Status.EXECUTED.value}


def _failed_for_recipient(burn: Document) -> bool:
    return burn.get("status") == Status.FAILED.value and burn.get("error") in UNPAYABLE_RECIPIENTS


def _returns_problems(returns: list[Document], burns: list[Document]) -> list[str]:
    """Each return names a recorded burn with its amount and burner, and is executed only for a
    burn failed for its recipient."""
    by_key = {_burn_key(b): b for b in burns}
    problems = []
    for ret in returns:
        burn = by_key.get(_burn_key(ret))
        name = f"return {ret['_id']} of burn {ret['transaction_hash']}:{ret['burn_index']}"
        if burn is None:
            problems.append(f"{name}: no such burn recorded")
        elif (ret["amount"], ret["from_address"]) != (burn["amount"], burn["from_address"]):
            problems.append(f"{name}: amount or burner differs from the burn")
        elif ret.get("status") == Status.EXECUTED.value and not _failed_for_recipient(burn):
            problems.append(f"{name}: executed, but the burn is {burn.get('status')}")
    return problems


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
    source event and are left out."""
    report = InvariantReport()
    executed = {Status.EXECUTED.value}
    open_statuses = {s.value for s in Status if s not in TERMINAL}
    mints = [d for d in db[MINTS].find({}) if d["_id"] not in forged]
    returns = [d for d in mints if d.get("source") == MintSource.BURN_RETURN.value]
    deposit_mints = [d for d in mints if d.get("source") != MintSource.BURN_RETURN.value]
    burns = [d for d in db[BURNS].find({}) if d["_id"] not in forged]
    refunds = [d for d in db[REFUNDS].find({}) if d["_id"] not in forged]
    minted = _sum(mints, executed)
    returned = _sum(returns, executed)
    burned = _sum(burns, executed)
    burned_all = _sum(burns)
    refunded = _sum(refunds, executed)
    deposits = _sum(deposit_mints) + _sum(refunds)
    report.figures.update(
        minted=minted,
        returned=returned,
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
    for name, docs in ((MINTS, deposit_mints), (REFUNDS, refunds)):
        counts = Counter(str(d["transaction_hash"]).lower() for d in docs)
        report.problems.extend(
            f"{name}: source tx {tx} recorded {n} times" for tx, n in counts.items() if n > 1
        )
    both = {str(d["transaction_hash"]).lower() for d in deposit_mints} & {
        str(d["transaction_hash"]).lower() for d in refunds
    }
    report.problems.extend(f"deposit {tx} is both a mint and a refund" for tx in sorted(both))
    for name, docs in ((BURNS, burns), ("burn returns", returns)):
        keys = Counter(_burn_key(d) for d in docs)
        report.problems.extend(
            f"{name}: burn {tx}:{index} recorded {n} times"
            for (tx, index), n in keys.items()
            if n > 1
        )
    report.problems.extend(_returns_problems(returns, burns))
    report.problems.extend(
        f"burn {tx}:{i} paid and returned" for tx, i in _executed(burns) & _executed(returns)
    )
    if expect_quiescent:
        for name, docs in ((MINTS, mints), (BURNS, burns), (REFUNDS, refunds)):
            report.problems.extend(
                f"{name}/{doc['_id']} still {doc['status']}"
                for doc in docs
                if doc.get("status") in open_statuses
            )
        report.problems.extend(
            f"burn {tx}:{i} failed for its recipient and not returned"
            for tx, i in {_burn_key(b) for b in burns if _failed_for_recipient(b)}
            - _executed(returns)
        )
    return report
