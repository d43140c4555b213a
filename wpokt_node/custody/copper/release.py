"""The Copper back end for vault releases (burn payouts, refunds): a ``withdraw`` order with
``blockchainTransactionType: send`` from the Copper vault's Pocket wallet (``pocket.
vault_address``), memo ``burn:<eth tx>:<index>`` or ``refund:<pokt tx>``.

- ``confirmed -> started``: the order is placed on Copper under an id derived from the source
  event, so Copper keeps one order per event whichever node asks and however often (the entry's
  ``attempt`` is always 1: no second order is ever made for an event).
- ``started``: each node rebuilds the payout from its own RPCs and checks Copper's order, and
  its sign request, against it before its CUO co-signs.
- ``executed`` only when this node's Pocket RPC shows the vault's ``MsgSend`` with the memo,
  never from Copper's status. The recipient gets the amount less ``pocket.fee_upokt``, which
  pays the network fee, so the vault keeps covering the wPOKT supply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from wpokt_node.amounts import amount_from_db
from wpokt_node.custody.base import (
    Gap,
    Outcome,
    OutcomeKind,
    Prepared,
    RebuildMismatchError,
    UnpayableError,
)
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.orders import SEND, OrderRequest, external_order_id, pokt_decimal
from wpokt_node.custody.copper.payouts import CopperPayouts
from wpokt_node.custody.release_base import ReleaseCustodyBase, ReleaseNode
from wpokt_node.custody.release_config import (
    AMOUNT_NOT_ABOVE_FEE,
    BELOW_MINIMUM_PAYOUT,
    payout_amount,
)
from wpokt_node.custody.release_sources import release_title
from wpokt_node.db.models import Entry, RetiredOrder, SignatureRecord
from wpokt_node.errors import NotReadyError, ValidationError
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL

ATTEMPT = 1
ORDER_KEYS = frozenset({"external_order_id", "portfolio_id", "currency", "from", "to", "amount",
                        "denom", "memo"})  # fmt: skip


class CopperReleaseCustody(CopperPayouts, ReleaseCustodyBase):
    """``custody.base.Custody`` of one release kind through a Copper vault."""

    execution_fields = ("copper_order_id",)
    number_field = "attempt"
    payload_names_source = True

    def __init__(
        self, node: ReleaseNode, *, account: CopperAccount, currency: str, min_payout: int
    ) -> None:
        super().__init__(node)
        self.account = account
        self.currency = currency
        self.min_payout = min_payout

    # -- the payout -------------------------------------------------------------------------

    def _order(self, entry: Entry, recipient: str) -> dict[str, Any]:
        """The stored order: plain values only, so a MongoDB round trip compares equal."""
        if entry.amount < self.min_payout:
            raise UnpayableError(BELOW_MINIMUM_PAYOUT)
        paid = payout_amount(entry.amount, self.config.fee)
        if paid is None:
            raise UnpayableError(AMOUNT_NOT_ABOVE_FEE)
        return {
            "external_order_id": external_order_id(self.kind.value, self.source_event(entry)),
            "portfolio_id": self.account.portfolio_id,
            "currency": self.currency,
            "from": self.vault,
            "to": recipient,
            "amount": str(paid),
            "denom": self.config.denom,
            "memo": release_title(self.kind, entry),
        }

    def _own(self, entry: Entry, order: Mapping[str, Any]) -> OrderRequest:
        """The stored order's request, which must pay this entry's own source event (its memo
        and its id); ValidationError otherwise, so the machine restores it from the chain."""
        request = self.request(order)
        if order["memo"] != release_title(self.kind, entry) or order[
            "external_order_id"
        ] != external_order_id(self.kind.value, self.source_event(entry)):
            raise ValidationError(f"the stored order pays {order['memo'][:100]!r}, not this entry")
        return request

    def pays_source(self, entry: Entry, order: Mapping[str, Any]) -> bool:
        try:
            self._own(entry, order)
        except ValidationError:
            return False
        return True

    def request(self, order: Mapping[str, Any]) -> OrderRequest:
        if set(order) != ORDER_KEYS or not all(isinstance(order[k], str) for k in ORDER_KEYS):
            raise ValidationError(
                f"a Copper release order has exactly the text keys {sorted(ORDER_KEYS)}"
            )
        if order["from"] != self.vault or order["portfolio_id"] != self.account.portfolio_id:
            raise ValidationError("the order's vault or portfolio is not this node's")
        return OrderRequest(
            external_order_id=order["external_order_id"],
            portfolio_id=order["portfolio_id"],
            currency=order["currency"],
            amount=pokt_decimal(amount_from_db(order["amount"])),
            to_address=order["to"],
            memo=order["memo"],
            transaction_type=SEND,
        )

    # -- started: place the order, rebuild against it, co-sign ------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        self.sources.refuse_unpayable(self.kind, entry)
        self.check_recipient(entry.to_address)
        order = self._order(entry, entry.to_address)
        self.account.place(self.request(order))
        return Prepared(order=order, number=ATTEMPT)

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        try:
            order = self._order(entry, self.sources.recipient(self.kind, entry))
            request = self.request(order)
        except (ValidationError, UnpayableError) as exc:
            raise RebuildMismatchError(f"entry is not a valid release: {exc}") from None
        attempt = entry.document.get(self.number_field)
        if attempt != ATTEMPT:
            raise RebuildMismatchError(f"a Copper release is attempt {ATTEMPT}, not {attempt!r}")
        self.account.verified(request)  # RebuildMismatchError: Copper's order pays otherwise
        return order

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        paid = self._paid(order, None)
        if paid is not None:  # Copper must never get a second signature for a paid event
            raise NotReadyError(f"the chain already shows this payout: {paid.detail}")
        return self.account.cosign(self.request(order))

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        """Copper's count (the stored records are only hints); the threshold once the chain
        shows this very payout, whatever Copper still says about its order."""
        count = self.account.approvals(self.request(order))
        if count >= self.account.threshold:
            return count
        paid = self._paid(order, None)
        return self.account.threshold if paid and paid.kind is OutcomeKind.EXECUTED else count

    def gap_below(self, entry: Entry) -> Gap | None:
        return None  # Copper orders are independent: none waits behind another

    # -- the chain's verdict ----------------------------------------------------------------

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        """Executed when the chain shows the payout; failed when Copper ended the order
        without one (canceled, rejected, error), which no signature can change."""
        request = self._own(entry, order)
        paid = self._paid(order, None)
        if paid is not None:  # executed, or failed on chain; pending: wait
            return None if paid.kind is OutcomeKind.PENDING else paid
        shown = self.account.shown(request)
        if shown is not None and shown.ended_unpaid:
            return Outcome(OutcomeKind.FAILED, None, _ended(shown.order_id, shown.status))
        return None

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        request = self._own(entry, order)
        shown = self.account.shown(request)
        hint = None if shown is None else shown.transaction_id
        paid = self._paid(order, hint)
        if paid is not None:
            return paid
        if shown is not None and shown.ended_unpaid:
            return Outcome(OutcomeKind.FAILED, None, _ended(shown.order_id, shown.status))
        if shown is None or not shown.fully_signed:
            detail = "no Copper order" if shown is None else f"Copper order {shown.status}"
            return Outcome(OutcomeKind.NOT_SUBMITTED, None, detail, next_in_line=True)
        return Outcome(OutcomeKind.PENDING, hint, f"Copper order {shown.status}", False)

    def _paid(self, order: Mapping[str, Any], hint: str | None) -> Outcome | None:
        """The vault's payout of ``order`` on this node's Pocket RPC: executed at depth,
        pending in a block, failed on chain; None if the chain shows none."""
        failed: Outcome | None = None
        for found in self._candidates(order, hint):
            if not _pays(found, order):
                continue
            tx_hash = normalize_pokt_tx_hash(str(found.get("txhash", "")))
            if int(found.get("code") or 0) != 0:  # a later success must not hide behind it
                detail = f"Copper's payout tx {tx_hash} failed on chain; an operator decides"
                failed = failed or Outcome(OutcomeKind.FAILED, tx_hash, detail)
                continue
            height = int(found.get("height") or 0)
            if self.pokt.latest_height() - height + 1 < max(1, self.config.pokt_confirmations):
                return Outcome(OutcomeKind.PENDING, tx_hash, "included, not yet confirmed", True)
            return Outcome(OutcomeKind.EXECUTED, tx_hash, f"paid by Copper at height {height}")
        return failed

    def _candidates(self, order: Mapping[str, Any], hint: str | None) -> Iterator[dict[str, Any]]:
        if hint is not None:
            try:
                found = self.pokt.tx(hint)
            except ValidationError:
                found = None
            if found is not None:
                yield found
        query = f"transfer.sender='{self.vault}' AND transfer.recipient='{order['to']}'"
        yield from self.pokt.iter_txs(query)

    def proven_dead(self, retired: RetiredOrder) -> bool:
        return False  # one order per event: there is never an earlier payload to retire

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        return (str(entry.id),)


def _pays(found: Mapping[str, Any], order: Mapping[str, Any]) -> bool:
    """Whether a committed tx (REST JSON) is one ``MsgSend`` of exactly ``order``."""
    tx = found.get("tx")
    body = tx.get("body") if isinstance(tx, dict) else None
    if not isinstance(body, dict) or body.get("memo") != order["memo"]:
        return False
    messages = body.get("messages")
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(messages[0], dict):
        return False
    message = messages[0]
    return (
        message.get("@type") == MSG_SEND_TYPE_URL
        and message.get("from_address") == order["from"]
        and message.get("to_address") == order["to"]
        and message.get("amount") == [{"denom": order["denom"], "amount": order["amount"]}]
    )


def _ended(order_id: str, status: str) -> str:
    return f"Copper order {order_id} ended {status} without a payout; an operator decides"
