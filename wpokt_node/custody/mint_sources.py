"""What a mint pays, re-read from this node's own RPCs: the two sources of ``mints`` entries.

A mint pays a deposit into the vault (``DepositSource``: the Pocket tx classified again with the
cluster's rules) or returns a burn whose Pocket recipient can never be paid
(``custody.burn_return.BurnReturnSource``: the ``BurnAndBridge`` log and the recipient's
account). The Ethereum back end (``custody.eth_mint``) is the same for both: one nonce space per
recipient, one signing rule, one executor; it asks the entry's source only for its journal key,
its check at ``detected``, and the claim (recipient, amount, depth) it rebuilds the order from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wpokt_node.amounts import amount_to_db
from wpokt_node.config import Settings
from wpokt_node.custody.base import (
    RebuildMismatchError,
    SourceCheck,
    SourceState,
    repaired_from_chain,
)
from wpokt_node.custody.missing import MissingTxTracker
from wpokt_node.custody.source_events import deposit_event
from wpokt_node.custody.source_window import SourceWindow, refuse_outside
from wpokt_node.db.models import Entry
from wpokt_node.db.schema import MintSource as SourceName
from wpokt_node.errors import ValidationError
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import classify_for_vaults, vault_rules
from wpokt_node.pokt.deposits import Classification
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash


@dataclass(frozen=True, slots=True)
class MintClaim:
    """What a mint pays as this node's own RPCs show its source event: the order is rebuilt
    from it (only the nonce comes from the entry)."""

    recipient: str  # checksummed
    amount: int
    confirmations: int
    confirmed: bool  # deep enough to sign


class MintSource(Protocol):
    def source_event(self, entry: Entry) -> str:
        """The source event's key in the signing journal (``custody.source_events``)."""
        ...

    def check(self, entry: Entry) -> SourceCheck:
        """The source event as this node's RPC shows it (``Custody.check_source``)."""
        ...

    def claim(self, entry: Entry) -> MintClaim:
        """Raises RebuildMismatchError unless the chain shows exactly this entry's source."""
        ...


class MintSources:
    """The source of each mint entry, by its ``source`` field."""

    def __init__(self, deposit: MintSource, burn_return: MintSource) -> None:
        self._by_name: dict[SourceName, MintSource] = {
            SourceName.DEPOSIT: deposit,
            SourceName.BURN_RETURN: burn_return,
        }

    def of(self, entry: Entry) -> MintSource:
        return self._by_name[entry.source or SourceName.DEPOSIT]


@dataclass(frozen=True, slots=True)
class CheckedDeposit:
    """A deposit this node read from its own Pocket RPC and found to be a valid mint."""

    classification: Classification
    latest_height: int
    vault: str

    @property
    def confirmations(self) -> int:
        height = self.classification.height or 0
        return max(0, self.latest_height - height + 1)


def _differences(entry: Entry, verdict: Classification) -> dict[str, tuple[object, object]]:
    """The entry's source fields that differ from the deposit on chain: name -> (stored, chain)."""
    event = deposit_event(entry.transaction_hash)
    return {
        name: (stored, seen)
        for name, stored, seen in (
            ("from_address", entry.from_address, verdict.sender),
            ("to_address", entry.to_address, verdict.recipient),
            ("amount", entry.document.get("amount"), amount_to_db(verdict.amount)),
            ("source_event", entry.document.get("source_event"), event),
        )
        if stored != seen
    }


class DepositSource:
    """A mint of a deposit: the Pocket tx into the vault, classified again as a valid mint."""

    def __init__(self, settings: Settings, pokt: PocketClient) -> None:
        self.pokt = pokt
        self.rules = vault_rules(settings)
        self.window = SourceWindow.from_settings(settings)
        self.required = settings.pocket.confirmations
        self.missing = MissingTxTracker(settings.pocket.missing_tx_blocks)

    def source_event(self, entry: Entry) -> str:
        return deposit_event(entry.transaction_hash)

    def check(self, entry: Entry) -> SourceCheck:
        """A deposit that is a valid mint on chain but whose entry says otherwise (recipient,
        sender or amount edited in the database) is repaired from the chain, not failed: failing
        it would lose the deposit, since its unique key keeps it from being recorded again."""
        try:
            checked = self._classified(entry)
        except RebuildMismatchError as mismatch:
            return SourceCheck(SourceState.GONE, reason=mismatch.reason)
        event = self.source_event(entry)
        if checked is None:
            if self.missing.proven_absent(event, self.pokt.latest_height()):
                return SourceCheck(SourceState.GONE, reason="deposit tx not found on Pocket")
            return SourceCheck(SourceState.NOT_YET, reason="deposit tx not indexed yet")
        self.missing.found(event)
        outside = self.window.deposit(checked.vault, checked.classification.height)
        if outside is not None:
            return outside
        confirmations = checked.confirmations
        differences = _differences(entry, checked.classification)
        if differences:
            return repaired_from_chain(entry, differences, confirmations)
        return SourceCheck(
            SourceState.FOUND,
            confirmations=confirmations,
            confirmed=confirmations >= self.required,
            fields={"confirmations": confirmations},
        )

    def claim(self, entry: Entry) -> MintClaim:
        checked = self._classified(entry)
        if checked is None:
            raise RebuildMismatchError(
                f"deposit {entry.transaction_hash} is not on this node's Pocket RPC"
            )
        refuse_outside(self.window.deposit(checked.vault, checked.classification.height))
        for name, (stored, seen) in _differences(entry, checked.classification).items():
            raise RebuildMismatchError(
                f"{name} differs from the deposit on chain: stored {str(stored)[:80]!r}, "
                f"chain {seen!r}"
            )
        verdict = checked.classification
        assert verdict.recipient is not None
        confirmations = checked.confirmations
        return MintClaim(
            verdict.recipient, verdict.amount, confirmations, confirmations >= self.required
        )

    def _classified(self, entry: Entry) -> CheckedDeposit | None:
        """The entry's deposit as this node's Pocket RPC and rules see it; None if the RPC does
        not know the tx. Raises RebuildMismatchError if it is not a valid mint."""
        try:
            tx_hash = normalize_pokt_tx_hash(entry.transaction_hash)
        except ValidationError as exc:
            raise RebuildMismatchError(str(exc)) from None
        latest = self.pokt.latest_height()
        response = self.pokt.tx(tx_hash)
        if response is None:
            return None
        verdict, paid = classify_for_vaults(response, self.rules)
        if not verdict.is_mint or verdict.tx_hash != entry.transaction_hash:
            raise RebuildMismatchError(
                f"deposit {tx_hash} does not classify as a valid mint "
                f"({verdict.kind.value}: {verdict.reason})"
            )
        return CheckedDeposit(verdict, latest, paid.vault_address)
