"""The Copper back end for mints: a ``smart-call`` order from the Copper vault's Ethereum
wallet whose payload is ``mint(recipient, amount, nonce)`` on the wPOKT token (the vault's
address holds ``MINTER_ROLE``). Nonces and source events are those of every mint back end
(``custody.mint_nonces``); the order's ``controller`` is the Copper vault's address.

- ``confirmed -> started``: the nonce is allocated, then the order is placed on Copper under
  an id derived from ``(chain id, recipient, nonce, amount)``: the token mints a nonce once, so
  at most one such order ever mints, whichever node asks and however often.
- ``started``: each node rebuilds the mint and checks Copper's order against it; it co-signs
  only when the mint's nonce is the recipient's next one (Copper broadcasts a fully signed
  order at once, and the token would revert a nonce out of turn).
- ``executed`` only from the chain's ``Minted`` event, never from Copper's status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.database import Database

from wpokt_node.config import MintCustody, Settings
from wpokt_node.custody.base import Outcome, OutcomeKind, Prepared
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.orders import (
    SMART_CALL,
    OrderRequest,
    external_order_id,
    mint_payload,
)
from wpokt_node.custody.copper.payouts import CopperPayouts
from wpokt_node.custody.mint_nonces import MintNonceCustody
from wpokt_node.db.models import Entry, SignatureRecord
from wpokt_node.errors import NotReadyError, SigningError, ValidationError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.mint_order import MintDomain, checksum
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient

log = get_logger(__name__)

Document = dict[str, Any]


class CopperMintCustody(CopperPayouts, MintNonceCustody):
    """``custody.base.Custody`` for mints through a Copper vault."""

    execution_fields = ("copper_order_id",)

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        eth: EthClient,
        token: TokenContract,
        account: CopperAccount,
    ) -> None:
        copper = settings.copper
        if copper is None or settings.ethereum.custody is not MintCustody.COPPER:
            raise SigningError("Copper mints need ethereum.custody copper and its section")
        minter = checksum(settings.minter_address(), "copper.eth_vault_address")
        domain = MintDomain(settings.ethereum.chain_id, minter)
        super().__init__(settings=settings, db=db, pokt=pokt, eth=eth, token=token, domain=domain)
        self.account = account
        self.currency = copper.eth_currency

    def request(self, order: Mapping[str, Any]) -> OrderRequest:
        """The Copper order that is this mint (ValidationError for a malformed order)."""
        data = self.domain.mint_data(order)
        # The amount too: a mint that never got signed (its source failed) must not hold the
        # id of the next mint to take its nonce.
        key = f"{self.domain.chain_id}:{data.recipient}:{data.nonce}:{data.amount}"
        return OrderRequest(
            external_order_id=external_order_id("mint", key),
            portfolio_id=self.account.portfolio_id,
            currency=self.currency,
            amount="0",
            to_address=checksum(self.token.address, "token"),
            memo="",
            transaction_type=SMART_CALL,
            payload=mint_payload(data.recipient, data.amount, data.nonce),
        )

    # -- started: place the order, rebuild against it, co-sign ----------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        prepared = super().prepare(entry)
        self.account.place(self.request(prepared.order))
        return prepared

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        order = super().rebuild(entry)
        self.account.verified(self.request(order))  # RebuildMismatchError: a refusal
        return order

    def sign_wait(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        """Copper broadcasts a fully signed order at once: a node co-signs a mint (its own
        rebuild) only when the token would take it now."""
        return self._not_now(self.domain.mint_data(order))

    def _not_now(self, data: MintData) -> str | None:
        """Why the token would not take ``data`` now (its nonce is not the recipient's next,
        or the token is paused); None: it would."""
        chain_next = self.token.get_user_nonce(data.recipient) + 1
        if chain_next != data.nonce:
            return (
                f"co-signs nonce {data.nonce} of {data.recipient} once nonce {chain_next} is minted"
            )
        if self.token.paused():
            return "the token is paused: a mint would revert"
        return None

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        wait = self._not_now(self.domain.mint_data(order))  # again: the chain moves on
        if wait is not None:
            raise NotReadyError(wait)
        return self.account.cosign(self.request(order))

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        """Copper's count (the stored records are only hints); the threshold once the chain
        shows this very mint, whatever Copper still says about its order."""
        count = self.account.approvals(self.request(order))
        if count >= self.account.threshold:
            return count
        used = self.chain.used_nonce(self.domain.mint_data(order))
        return self.account.threshold if used and used.kind is OutcomeKind.EXECUTED else count

    def _own(self, entry: Entry, order: Mapping[str, Any]) -> OrderRequest:
        """The stored order's request, which must be this entry's own mint (its nonce,
        recipient and amount); ValidationError otherwise, so the machine restores it."""
        data = self.domain.mint_data(order)
        if (data.nonce, data.amount) != (entry.number, entry.amount) or (
            data.recipient.lower() != entry.to_address.lower()
        ):
            raise ValidationError("the stored order is not this entry's mint")
        return self.request(order)

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        """The chain's use of the nonce; else failed when Copper ended the order without a
        mint (canceled, rejected, error), which no signature can change."""
        request = self._own(entry, order)
        used = super().decided(entry, order)
        if used is not None:
            return used
        shown = self.account.shown(request)
        if shown is not None and shown.ended_unpaid:
            return Outcome(OutcomeKind.FAILED, None, _ended(shown.order_id, shown.status))
        return None

    # -- outcome: the chain first, then Copper --------------------------------------------------

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        request = self._own(entry, order)
        data = self.domain.mint_data(order)
        chain_nonce = self.token.get_user_nonce(data.recipient)
        if chain_nonce >= data.nonce:
            return self.chain.outcome(entry, data)  # minted (by this order or another mint)
        shown = self.account.shown(request)
        next_in_line = chain_nonce + 1 == data.nonce
        if shown is None or not shown.fully_signed:
            if shown is not None and shown.ended_unpaid:
                return Outcome(OutcomeKind.FAILED, None, _ended(shown.order_id, shown.status))
            detail = "no Copper order" if shown is None else f"Copper order {shown.status}"
            return Outcome(OutcomeKind.NOT_SUBMITTED, None, detail, next_in_line=next_in_line)
        if shown.transaction_id is not None and self._reverted(shown.transaction_id, request):
            detail = f"Copper's mint tx {shown.transaction_id} reverted"
            return Outcome(OutcomeKind.FAILED, shown.transaction_id, detail)
        return Outcome(
            OutcomeKind.PENDING, shown.transaction_id, f"Copper order {shown.status}", False
        )

    def _reverted(self, tx_hash: str, request: OrderRequest) -> bool:
        """Whether ``tx_hash`` is this very smart call (from the Copper vault, to the token,
        with its payload) and reverted: a hash Copper names proves nothing until the chain
        says what it is."""
        receipt = self.eth.receipt(tx_hash)
        if receipt is None or receipt.status != 0:
            return False
        tx = self.eth.request("eth_getTransactionByHash", [tx_hash])
        return (
            isinstance(tx, dict)
            and str(tx.get("from") or "").lower() == self.domain.controller.lower()
            and str(tx.get("to") or "").lower() == request.to_address.lower()
            and str(tx.get("input") or "").lower() == request.payload.lower()
        )


def _ended(order_id: str, status: str) -> str:
    return f"Copper order {order_id} ended {status} without a mint; an operator decides"
