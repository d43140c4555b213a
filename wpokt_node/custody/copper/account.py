"""This node's side of a Copper vault: placing a payout's order, checking the order Copper
shows against this node's own rebuild, and co-signing it through this node's CUO.

A node co-signs only the order it has just read from Copper *and* found equal, field by field
and in its sign request, to the payout it rebuilt from its own RPCs and config; what it hands
CUO is that checked sign request. A compromised Copper account or database can create or alter
orders, but no node co-signs one that pays anything else (docs/copper.md, docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from wpokt_node.config import SecretSource, Settings
from wpokt_node.custody.base import RebuildMismatchError, RecordExecution
from wpokt_node.custody.copper.client import CopperClient
from wpokt_node.custody.copper.cuo import CuoClient
from wpokt_node.custody.copper.orders import CopperOrder, OrderRequest
from wpokt_node.db.models import SignatureRecord
from wpokt_node.errors import NotReadyError, SigningError
from wpokt_node.keys.passwords import password_from_env, password_from_file
from wpokt_node.logs import get_logger
from wpokt_node.secret import Secret

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CopperAccount:
    """The platform account, this node's CUO, and the threshold Copper enforces."""

    client: CopperClient
    cuo: CuoClient
    portfolio_id: str
    threshold: int
    node_id: str
    shard: str  # this node's shard file name: the signer named in its signature records

    @classmethod
    def from_settings(cls, settings: Settings) -> CopperAccount:
        copper = settings.copper
        if copper is None:
            raise SigningError("Copper custody without a 'copper' section")
        api_key, api_secret = _secret(copper.api_key), _secret(copper.api_secret)
        password = _secret(copper.key_password)
        client = CopperClient(
            copper.api_url,
            api_key=api_key,
            api_secret=api_secret,
            timeout_s=copper.request_timeout_s,
            attempts=copper.attempts,
        )
        cuo = CuoClient(
            copper.cuo_url,
            key_filename=copper.key_filename,
            key_password=password,
            api_key=api_key,
            api_secret=api_secret,
            timeout_s=copper.request_timeout_s,
            attempts=copper.attempts,
            sign_timeout_s=copper.sign_timeout_s,
            poll_s=copper.sign_poll_s,
        )
        return cls(
            client=client,
            cuo=cuo,
            portfolio_id=copper.portfolio_id,
            threshold=settings.cluster.threshold,
            node_id=settings.node_id,
            shard=copper.key_filename,
        )

    def place(self, request: OrderRequest) -> CopperOrder:
        """The payout's order on Copper, created if the portfolio has none under its id.
        An order Copper already holds under that id that is not this payout is an alert, and
        the payout waits: no node co-signs it (NotReadyError)."""
        order = self.client.create_order(request)
        wrong = request.order_mismatch(order)
        if wrong is not None:
            log.error(
                "Copper holds a different order under this payout's id",
                alert=True,
                external_order_id=request.external_order_id,
                order_id=order.order_id,
                reason=wrong,
            )
            raise NotReadyError(f"Copper order {order.order_id} is not this payout: {wrong}")
        return order

    def verified(self, request: OrderRequest) -> CopperOrder | None:
        """The payout's order as Copper shows it now, if it is exactly ``request``; None if
        Copper has no order under its id; RebuildMismatchError if the order pays anything else."""
        order = self.client.find_order(request.external_order_id, request.portfolio_id)
        if order is None:
            return None
        wrong = request.mismatch(order)
        if wrong is not None:
            raise RebuildMismatchError(f"Copper order {order.order_id}: {wrong}")
        return order

    def shown(self, request: OrderRequest) -> CopperOrder | None:
        """The payout's order as Copper shows it, for reading its state: None when Copper has
        none, or one that is not this payout (then nobody signs it: the signing rule refuses
        it and says why)."""
        try:
            return self.verified(request)
        except RebuildMismatchError:
            return None

    def cosign(self, request: OrderRequest) -> SignatureRecord:
        """Add this node's partial signature to the payout's order, read and checked again
        right before (the order may have changed since the rebuild): CUO signs the very sign
        request this node checked."""
        order = self.client.find_order(request.external_order_id, request.portfolio_id)
        order = order or self.place(request)
        wrong = request.mismatch(order)  # also a placed one: place checks only its fields
        if wrong is not None:
            log.error("Copper order changed; not co-signing", alert=True, reason=wrong)
            raise SigningError(f"Copper order {order.order_id}: {wrong}")
        if order.ended_unpaid:
            raise SigningError(f"Copper order {order.order_id} is {order.status}")
        if order.fully_signed:
            return SignatureRecord(self.node_id, self.shard, f"copper:{order.order_id}:full")
        if not order.sign_request:
            raise NotReadyError(f"Copper has not prepared order {order.order_id} for signing")
        signature = self.cuo.sign(order.sign_request)
        log.info("co-signed on Copper", order_id=order.order_id, node_id=self.node_id)
        return SignatureRecord(self.node_id, self.shard, signature or f"copper:{order.order_id}")

    def record_payout(self, request: OrderRequest, record: RecordExecution) -> str | None:
        """The executor's step: Copper broadcasts a fully signed order itself, so there is
        nothing to send; Copper's tx hash is recorded on the entry once it has one."""
        shown = self.shown(request)
        if shown is None or shown.transaction_id is None:
            return None
        fields = {"copper_order_id": shown.order_id}
        return shown.transaction_id if record(shown.transaction_id, fields) else None

    def approvals(self, request: OrderRequest) -> int:
        """The threshold once Copper shows the payout's own order fully signed; else how many
        shard holders it lists, below the threshold; 0 for an order that is not this payout."""
        order = self.shown(request)
        if order is None or order.ended_unpaid:
            return 0
        if order.fully_signed:
            return self.threshold
        # Below full signature Copper's list is a hint: it never makes an entry signed.
        return min(len(order.co_signers), self.threshold - 1)


def _secret(source: SecretSource) -> Secret:
    """The secret from its file (private to this user) or its environment variable."""
    if source.file is not None:
        return password_from_file(source.file)
    return password_from_env(source.env or "")
