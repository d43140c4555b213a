"""The source of a burn's return: a ``BurnAndBridge`` whose Pocket recipient can never be paid,
minted back to the burner through the mint path.

The database is not trusted (anybody can write a failed burn or a return), so every node checks
a return on its own RPCs before it moves or signs it: the burn log is on the canonical chain at
``(transaction_hash, burn_index)`` with the amount and sender the return claims, deep enough
(``ethereum.confirmations``), and its recipient can never be paid (``pokt.recipients``: a module
account by the Pocket chain's answer for the account, or the vault of this node's config). A
return whose burn is missing, or payable, fails (``source gone: ...``). Its source event is the
burn's own (``eth:<tx>:<burn index>``), the one a release of the burn is signed for, so a node's
journal lets it sign a release or a return of one burn, never both.
"""

from __future__ import annotations

from eth_utils.address import to_checksum_address

from wpokt_node.amounts import amount_to_db
from wpokt_node.custody.base import (
    RebuildMismatchError,
    SourceCheck,
    SourceState,
    repaired_from_chain,
)
from wpokt_node.custody.mint_sources import MintClaim
from wpokt_node.custody.source_events import burn_event
from wpokt_node.custody.source_window import SourceWindow, refuse_outside
from wpokt_node.db.models import Entry
from wpokt_node.errors import ValidationError
from wpokt_node.eth.burn_check import BurnLogCheck, BurnLogState, ExpectedBurn, check_burn_log
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.events import BurnEvent
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.recipients import unpayable_recipient
from wpokt_node.pokt.release_memo import burn_release_memo


class BurnReturnSource:
    def __init__(
        self,
        *,
        eth: EthClient,
        pokt: PocketClient,
        token_address: str,
        policy: ConfirmationPolicy,
        vaults: tuple[str, ...],
        window: SourceWindow,
    ) -> None:
        """``vaults``: the bridge's own, the current one first (a burn to one is returned)."""
        self.eth = eth
        self.pokt = pokt
        self.token_address = token_address
        self.policy = policy
        self.vaults = vaults
        self.window = window

    def source_event(self, entry: Entry) -> str:
        return burn_event(entry.transaction_hash, entry.burn_index)

    def check(self, entry: Entry) -> SourceCheck:
        try:
            burn = self._burn_log(entry)
        except RebuildMismatchError as mismatch:
            return SourceCheck(SourceState.GONE, reason=mismatch.reason)
        event = burn.event
        if event is None:
            return self._not_seen(entry, burn)
        outside = self.window.burn(event.block_number)
        if outside is not None:
            return outside
        unpayable = unpayable_recipient(self.pokt, self.vaults, event.to_address)
        if unpayable is None:
            return SourceCheck(SourceState.GONE, reason=_payable(event))
        differences = _differences(entry, event, unpayable)
        if differences:  # edited in the database: repaired from the chain
            return repaired_from_chain(entry, differences, burn.confirmations)
        return SourceCheck(
            SourceState.FOUND,
            confirmations=burn.confirmations,
            confirmed=burn.confirmed,
            fields={"confirmations": burn.confirmations},
        )

    def _not_seen(self, entry: Entry, burn: BurnLogCheck) -> SourceCheck:
        if burn.state is BurnLogState.MISMATCH:
            return SourceCheck(SourceState.GONE, reason=f"burn log differs: {burn.reason}")
        # Not on the canonical chain: given up once the blocks that replaced it are deep enough
        # that it would have been confirmed.
        if self.policy.check(self.eth, entry.height).confirmed:
            return SourceCheck(SourceState.GONE, reason=f"burn log gone: {burn.reason}")
        return SourceCheck(SourceState.NOT_YET, reason=burn.reason)

    def claim(self, entry: Entry) -> MintClaim:
        burn = self._burn_log(entry)
        event = burn.event
        if burn.state is not BurnLogState.FOUND or event is None:
            raise RebuildMismatchError(f"burn log {burn.state.value}: {burn.reason}")
        refuse_outside(self.window.burn(event.block_number))
        unpayable = unpayable_recipient(self.pokt, self.vaults, event.to_address)
        if unpayable is None:
            raise RebuildMismatchError(_payable(event))
        for name, (stored, seen) in _differences(entry, event, unpayable).items():
            raise RebuildMismatchError(
                f"{name} differs from the burn on chain: stored {str(stored)[:80]!r}, "
                f"chain {seen!r}"
            )
        return MintClaim(_burner(event), event.amount, burn.confirmations, burn.confirmed)

    def _burn_log(self, entry: Entry) -> BurnLogCheck:
        """The burn at the entry's ``(transaction_hash, burn_index)`` on the canonical chain;
        ``MISMATCH`` with the event when it differs from what the return claims."""
        if entry.burn_index is None:
            raise RebuildMismatchError("the return names no burn index")
        try:
            burn_release_memo(entry.transaction_hash, entry.burn_index)  # a tx hash, an index
        except ValidationError as exc:
            raise RebuildMismatchError(f"the return names no burn: {exc}") from None
        recipient = entry.document.get("burn_recipient")
        expected = ExpectedBurn(
            transaction_hash=entry.transaction_hash,
            burn_index=entry.burn_index,
            amount=entry.amount,
            from_address=entry.from_address,
            to_address=recipient if isinstance(recipient, str) else "",
        )
        return check_burn_log(self.eth, self.token_address, expected, self.policy)


def _burner(event: BurnEvent) -> str:
    return str(to_checksum_address(event.from_address))


def _payable(event: BurnEvent) -> str:
    return (
        f"the burn's recipient {event.to_address} can be paid: only a burn whose recipient "
        "never can is returned"
    )


def _differences(
    entry: Entry, event: BurnEvent, unpayable: str
) -> dict[str, tuple[object, object]]:
    """The return's fields that differ from its burn on chain: name -> (stored, chain)."""
    return {
        name: (stored, seen)
        for name, stored, seen in (
            ("from_address", entry.from_address, event.from_address),
            ("to_address", entry.to_address, _burner(event)),
            ("amount", entry.document.get("amount"), amount_to_db(event.amount)),
            ("burn_recipient", entry.document.get("burn_recipient"), event.to_address),
            ("reason", entry.reason, unpayable),
            ("source_event", entry.document.get("source_event"), burn_event(
                event.transaction_hash, event.burn_index
            )),
        )
        if stored != seen
    }  # fmt: skip
