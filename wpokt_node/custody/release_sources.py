"""The source events of vault releases, re-read from this node's own RPCs: the ``BurnAndBridge``
log of a burn (Ethereum) and the deposit tx of a refund (Pocket).

A refund's deposit is classified again with the cluster's rules (``classify_deposit``) at every
step: ``detected`` checks the entry against that verdict (and rewrites its ``parts``), and a
verdict the node never pays (several senders, other coins, unexplained transfers) raises
``UnpayableError`` with its named error wherever the payout is prepared or rebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wpokt_node.amounts import amount_to_db
from wpokt_node.custody.base import (
    RebuildMismatchError,
    SourceCheck,
    SourceState,
    UnpayableError,
    repaired_from_chain,
)
from wpokt_node.custody.missing import MissingTxTracker
from wpokt_node.custody.release_config import ReleaseConfig, ReleaseKind
from wpokt_node.custody.source_events import burn_event, deposit_event
from wpokt_node.custody.source_window import refuse_outside
from wpokt_node.db.models import Entry
from wpokt_node.errors import ValidationError
from wpokt_node.eth.burn_check import BurnLogCheck, BurnLogState, ExpectedBurn, check_burn_log
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.events import BurnEvent
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import classify_for_vaults
from wpokt_node.pokt.deposits import Classification, DepositKind
from wpokt_node.pokt.release_memo import (
    burn_release_memo,
    normalize_pokt_tx_hash,
    refund_release_memo,
)

log = get_logger(__name__)


def release_source_event(kind: ReleaseKind, entry: Entry) -> str:
    """The source event's key in the signing journal (``custody.source_events``); a burn's is
    also its return's."""
    if kind is ReleaseKind.BURN:
        return burn_event(entry.transaction_hash, entry.burn_index)
    return deposit_event(entry.transaction_hash)


def release_title(kind: ReleaseKind, entry: Entry) -> str:
    """What a payout says it pays: ``burn:<eth tx>:<burn index>`` or ``refund:<pokt tx>``."""
    if kind is ReleaseKind.BURN:
        if entry.burn_index is None:
            raise ValidationError("burn entry has no valid burn index")
        return burn_release_memo(entry.transaction_hash, entry.burn_index)
    return refund_release_memo(entry.transaction_hash)


@dataclass(frozen=True, slots=True)
class ReleaseSources:
    config: ReleaseConfig
    pokt: PocketClient
    eth: EthClient
    missing: MissingTxTracker

    def check(self, kind: ReleaseKind, entry: Entry) -> SourceCheck:
        """The ``detected`` step's view of the source event."""
        if kind is ReleaseKind.BURN:
            return self._check_burn(entry)
        return self._check_refund(entry)

    def recipient(self, kind: ReleaseKind, entry: Entry) -> str:
        """The recipient the confirmed source event pays; raises RebuildMismatchError, or
        UnpayableError for a refund the node never pays."""
        if kind is ReleaseKind.BURN:
            return self._burn_recipient(entry)
        return self._refund_recipient(entry)

    def pokt_confirmations(self, height: int) -> int:
        return max(0, self.pokt.latest_height() - height + 1)

    # -- burns ----------------------------------------------------------------------------------

    def _burn_log(self, entry: Entry) -> BurnLogCheck:
        if entry.burn_index is None:
            raise RebuildMismatchError("burn entry has no valid burn index")
        expected = ExpectedBurn(
            transaction_hash=entry.transaction_hash,
            burn_index=entry.burn_index,
            amount=entry.amount,
            from_address=entry.from_address,
            to_address=entry.to_address,
        )
        return check_burn_log(self.eth, self.config.token_address, expected, self.config.eth_policy)

    def _check_burn(self, entry: Entry) -> SourceCheck:
        if entry.transaction_hash != entry.transaction_hash.strip().lower():
            # The watcher records the chain's spelling; another spelling is a second entry
            # for the same burn, never paid (the journal would refuse it anyway).
            return SourceCheck(SourceState.GONE, reason="tx hash not in the chain's spelling")
        check = self._burn_log(entry)
        if check.state is BurnLogState.MISMATCH and check.event is not None:
            # The burn is there, the entry says otherwise: edited in the database. Failing it
            # would lose the burn (its unique key keeps it from being recorded again).
            event = check.event
            differences = {
                name: (stored, seen)
                for name, stored, seen in (
                    ("amount", entry.document.get("amount"), amount_to_db(event.amount)),
                    ("from_address", entry.from_address, event.from_address),
                    ("to_address", entry.to_address, event.to_address),
                )
                if stored != seen
            }
            if differences:
                return repaired_from_chain(entry, differences, 0)
        if check.state is BurnLogState.MISMATCH:
            return SourceCheck(SourceState.GONE, reason=f"burn log differs: {check.reason}")
        if check.state is BurnLogState.MISSING or check.event is None:
            # Gone from the canonical chain. Wait until the blocks that replaced it are deep
            # enough that it would have been confirmed, then give up on it.
            if self.config.eth_policy.check(self.eth, entry.height).confirmed:
                return SourceCheck(
                    SourceState.GONE, reason=f"burn log gone (reorg): {check.reason}"
                )
            return SourceCheck(SourceState.NOT_YET, reason=check.reason)
        return self._found_burn(check, check.event)

    def _found_burn(self, check: BurnLogCheck, event: BurnEvent) -> SourceCheck:
        # Where the burn is now. A reorg can re-include its tx in another block at another log
        # index: the same burn (its key and everything it pays are checked above), so the entry
        # follows the chain and records the block that is counted for its confirmations; it is
        # not an edit. From ``confirmed`` on the entry keeps the place it was confirmed at.
        outside = self.config.window.burn(event.block_number)
        if outside is not None:
            return outside
        return SourceCheck(
            SourceState.FOUND,
            confirmations=check.confirmations,
            confirmed=check.confirmed,
            fields={
                "confirmations": check.confirmations,
                "height": event.block_number,
                "block_hash": event.block_hash,
                "log_index": event.log_index,
            },
        )

    def _burn_recipient(self, entry: Entry) -> str:
        check = self._burn_log(entry)
        if check.state is not BurnLogState.FOUND or check.event is None:
            raise RebuildMismatchError(f"burn log {check.state.value}: {check.reason}")
        if not check.confirmed:
            raise RebuildMismatchError(f"burn log has only {check.confirmations} confirmations")
        refuse_outside(self.config.window.burn(check.event.block_number))
        return check.event.to_address

    # -- refunds --------------------------------------------------------------------------------

    def _refund_deposit(self, entry: Entry) -> dict[str, Any] | SourceCheck:
        """The refund's deposit tx on this node's Pocket RPC, or what to make of its absence."""
        try:
            tx_hash = normalize_pokt_tx_hash(entry.transaction_hash)
        except ValidationError as exc:
            return SourceCheck(SourceState.GONE, reason=str(exc))
        if entry.transaction_hash != tx_hash:
            return SourceCheck(SourceState.GONE, reason="tx hash not in the chain's spelling")
        response = self.pokt.tx(tx_hash)
        if response is None:
            if self.missing.proven_absent(tx_hash, self.pokt.latest_height()):
                return SourceCheck(SourceState.GONE, reason="deposit tx not found on Pocket")
            log.warning("refund deposit not found (yet)", entry_id=str(entry.id))
            return SourceCheck(SourceState.NOT_YET, reason="deposit tx not found (yet)")
        self.missing.found(tx_hash)
        if int(response.get("code") or 0) != 0:
            return SourceCheck(SourceState.GONE, reason="deposit tx failed on chain")
        return response

    def _check_refund(self, entry: Entry) -> SourceCheck:
        response = self._refund_deposit(entry)
        if isinstance(response, SourceCheck):
            return response
        confirmations = self.pokt_confirmations(int(response.get("height") or 0))
        verdict, paid = classify_for_vaults(response, self.config.vault_rules)
        if verdict.kind is not DepositKind.REFUND:
            reason = f"deposit is not a refund here ({verdict.kind.value}: {verdict.reason})"
            return SourceCheck(SourceState.GONE, reason=reason)
        outside = self.config.window.deposit(paid.vault_address, verdict.height)
        if outside is not None:
            return outside
        differences = {
            name: (stored, seen)
            for name, stored, seen in self._refund_fields(entry, verdict, paid.vault_address)
            if stored != seen
        }
        if differences:  # edited in the database: repaired from the chain, not failed
            return repaired_from_chain(entry, differences, confirmations)
        return SourceCheck(
            SourceState.FOUND,
            confirmations=confirmations,
            confirmed=confirmations >= self.config.pokt_confirmations,
            fields={
                "confirmations": confirmations,
                "parts": [part.to_document() for part in verdict.parts],
            },
        )

    def _refund_fields(
        self, entry: Entry, verdict: Classification, vault: str
    ) -> list[tuple[str, object, object]]:
        """(name, stored, chain) of every field a refund entry takes from its deposit into
        ``vault`` (the current vault or a retired one it paid)."""
        return [
            ("from_address", entry.from_address, verdict.refund_from(vault)),
            ("to_address", entry.to_address, verdict.refund_to(vault)),
            ("amount", entry.document.get("amount"), amount_to_db(verdict.amount)),
            ("reason", entry.reason, None if verdict.reason is None else str(verdict.reason)),
        ]

    def refuse_unpayable(self, kind: ReleaseKind, entry: Entry) -> None:
        """Raise UnpayableError when the chain's verdict on a refund's deposit is one the node
        never pays (a back end that does not read ``recipient`` before preparing calls this)."""
        if kind is ReleaseKind.BURN:
            return
        response = self.pokt.tx(normalize_pokt_tx_hash(entry.transaction_hash))
        if response is None:
            return  # not visible here: the rebuild refuses to sign
        verdict, _ = classify_for_vaults(response, self.config.vault_rules)
        if verdict.unpayable is not None:
            raise UnpayableError(verdict.unpayable)

    def _refund_recipient(self, entry: Entry) -> str:
        """Raises RebuildMismatchError, or UnpayableError for a deposit the node never pays."""
        response = self.pokt.tx(normalize_pokt_tx_hash(entry.transaction_hash))
        if response is None:
            raise RebuildMismatchError("deposit tx not found on this node's Pocket RPC")
        verdict, paid = classify_for_vaults(response, self.config.vault_rules)
        if verdict.kind is not DepositKind.REFUND:
            raise RebuildMismatchError(
                f"deposit is not a refund here ({verdict.kind}: {verdict.reason})"
            )
        refuse_outside(self.config.window.deposit(paid.vault_address, verdict.height))
        if verdict.unpayable is not None:
            raise UnpayableError(verdict.unpayable)
        if verdict.sender is None:
            raise RebuildMismatchError("the deposit names no sender")
        differences = [
            name
            for name, stored, seen in self._refund_fields(entry, verdict, paid.vault_address)
            if stored != seen
        ]
        if differences:
            raise RebuildMismatchError(f"refund differs from the chain in {', '.join(differences)}")
        if self.pokt_confirmations(verdict.height or 0) < self.config.pokt_confirmations:
            raise RebuildMismatchError("deposit tx does not have enough confirmations yet")
        return verdict.sender
