"""What the two mint back ends share: per-recipient sequential nonces and the source events.

The token mints ``(recipient, amount, nonce)`` only at the recipient's next nonce, whoever calls
it (the MintController for the multisig back end, the Copper vault for Copper). The order stored
at ``started`` is ``{recipient, amount (str), nonce, chain_id, controller}``, ``controller``
being the address that calls ``mint``. Every node rebuilds it from the entry's source event on
*its own* RPCs and its own config (a deposit on Pocket, or a burn to return on Ethereum:
``custody.mint_sources``); only the nonce comes from the entry, and it must still be able to
execute (above the chain's nonce). A nonce is reserved for one entry (lease +
``reservations``); it passes to another entry only when its holder can no longer use it
(``db.reservations``), and an entry gets a new one only when the chain used its nonce for a
different mint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.config import Settings
from wpokt_node.custody.base import (
    Gap,
    Outcome,
    Prepared,
    RebuildMismatchError,
    SourceCheck,
    UnpayableError,
)
from wpokt_node.custody.burn_return import BurnReturnSource
from wpokt_node.custody.mint_chain import MintChain
from wpokt_node.custody.mint_sources import DepositSource, MintSources
from wpokt_node.custody.number_gaps import VouchedHolders, first_gap
from wpokt_node.custody.source_window import SourceWindow
from wpokt_node.db import leases, reservations
from wpokt_node.db.models import Entry, RetiredOrder
from wpokt_node.db.schema import MINTS, Status
from wpokt_node.errors import DatabaseError, NotReadyError, ValidationError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.eth.mint_order import MintDomain, checksum
from wpokt_node.pokt.client import PocketClient

Document = dict[str, Any]
# what a holder's verification reads of it (the source fields, its nonce and order)
HOLDER_FIELDS = (
    "transaction_hash", "height", "from_address", "to_address", "amount", "memo", "source",
    "source_event", "burn_index", "burn_recipient", "reason", "nonce", "order",
)  # fmt: skip


class MintNonceCustody:
    """The nonce and source half of a mint back end (``custody.base.Custody``)."""

    number_field = "nonce"
    payload_names_source = False

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        eth: EthClient,
        token: TokenContract,
        domain: MintDomain,
    ) -> None:
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.eth = eth
        self.token = token
        self.domain = domain
        policy = ConfirmationPolicy.from_setting(settings.ethereum.confirmations)
        self.chain = MintChain(
            eth, token, policy, settings.ethereum.start_block, settings.ethereum.scan_chunk_size
        )
        self.sources = MintSources(
            deposit=DepositSource(settings, pokt),
            burn_return=BurnReturnSource(
                eth=eth,
                pokt=pokt,
                token_address=settings.ethereum.token_address,
                policy=policy,
                vaults=(
                    settings.pocket.vault_address,
                    *(v.address for v in settings.pocket.retired_vaults),
                ),
                window=SourceWindow.from_settings(settings),
            ),
        )
        self._vouched = VouchedHolders(HOLDER_FIELDS)

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    # -- the source event: a deposit, or a burn to return -------------------------------------

    def source_event(self, entry: Entry) -> str:
        return self.sources.of(entry).source_event(entry)

    def check_source(self, entry: Entry) -> SourceCheck:
        return self.sources.of(entry).check(entry)

    # -- prepare: allocate the nonce -----------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        recipient = checksum(entry.to_address, "recipient")
        if entry.amount <= 0:
            raise UnpayableError("a mint needs a positive amount")
        lease = f"{reservations.MINT_NONCE}:{recipient}"
        with leases.held(self.db, lease, self.node_id, self.settings.workers.lease_ttl_s):
            nonce = reservations.reserve(
                self.db,
                kind=reservations.MINT_NONCE,
                scope=recipient,
                collection=MINTS,
                entry_id=entry.id,
                number_field=self.number_field,
                # a nonce the chain used is never prepared again
                first=self.token.get_user_nonce(recipient) + 1,
                taken=self._open_nonces(recipient),
            )
        return Prepared(self.domain.order(recipient, entry.amount, nonce), nonce)

    def _open_nonces(self, recipient: str) -> set[int]:
        try:
            found = self.db[MINTS].find(
                {
                    "to_address": recipient,
                    "status": {"$in": [Status.STARTED.value, Status.SIGNED.value]},
                },
                projection={"nonce": 1},
            )
            return {n for n in (doc.get("nonce") for doc in found) if type(n) is int}
        except PyMongoError as exc:
            raise DatabaseError(f"mints: read failed: {exc}") from None

    # -- rebuild: the signing rule's independent view ------------------------------------------

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        claim = self.sources.of(entry).claim(entry)
        if not claim.confirmed:
            raise NotReadyError(
                f"source event has {claim.confirmations} confirmations on this node, not enough"
            )
        nonce = entry.number
        if nonce is None or nonce < 1:
            raise RebuildMismatchError(f"stored nonce {nonce!r} is not a positive integer")
        order = self.domain.order(claim.recipient, claim.amount, nonce)
        reservation = reservations.holder(
            self.db, reservations.MINT_NONCE, order["recipient"], nonce
        )
        if not reservations.is_reserved_for(reservation, MINTS, entry.id):
            raise RebuildMismatchError(
                f"nonce {nonce} of {claim.recipient} is not the nonce allocated to this entry"
            )
        chain_nonce = self.token.get_user_nonce(claim.recipient)
        if nonce <= chain_nonce and self.chain.minted_event(self.domain.mint_data(order)) is None:
            raise RebuildMismatchError(
                f"nonce {nonce} is not above the chain's nonce {chain_nonce} for "
                f"{claim.recipient}, and it was not used by this mint"
            )
        return order

    def sign_wait(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        return None  # nonces above the chain's wait in the gap check, not here

    def gap_below(self, entry: Entry) -> Gap | None:
        nonce = entry.number
        if nonce is None:
            return None
        recipient = checksum(entry.to_address, "recipient")
        return first_gap(
            self.db,
            kind=reservations.MINT_NONCE,
            scope=recipient,
            number_field=self.number_field,
            chain_next=self.token.get_user_nonce(recipient) + 1,
            number=nonce,
            verify=self._verify_holder,
        )

    def pays_source(self, entry: Entry, order: Mapping[str, Any]) -> bool:
        try:
            claim = self.sources.of(entry).claim(entry)
            nonce = self.domain.mint_data(order).nonce
        except (RebuildMismatchError, ValidationError):
            return False
        return dict(order) == self.domain.order(claim.recipient, claim.amount, nonce)

    def _verify_holder(self, holder: Entry) -> str | None:
        """Why this node cannot vouch for the open mint ``holder`` (None: it can)."""
        if self._vouched.knows(holder):
            return None
        try:
            claim = self.sources.of(holder).claim(holder)
        except RebuildMismatchError as mismatch:
            return mismatch.reason
        if holder.number is None or holder.order != self.domain.order(
            claim.recipient, claim.amount, holder.number
        ):
            return "its order is not the one its source event implies"
        if claim.confirmed:
            self._vouched.remember(holder)
        return None

    # -- execution and outcome -----------------------------------------------------------------

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        return self.chain.used_nonce(self.domain.mint_data(order))

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        return self.chain.outcome(entry, self.domain.mint_data(order))

    def proven_dead(self, retired: RetiredOrder) -> bool:
        try:
            data = self.domain.mint_data(retired.order)
        except ValidationError:
            return False
        return self.chain.proven_dead(data)

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        return (entry.to_address, entry.number if entry.number is not None else 2**63)
