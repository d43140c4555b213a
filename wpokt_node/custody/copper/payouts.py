"""What the two Copper back ends share: the payload a node's journal commits to is the Copper
order request, Copper keeps each node's partial signature with the order, and Copper
broadcasts a fully signed order itself (the executor only records Copper's tx hash)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from wpokt_node.custody.base import RecordExecution
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.orders import OrderRequest
from wpokt_node.db.models import Entry, SignatureRecord


class CopperPayouts(ABC):
    account: CopperAccount

    @abstractmethod
    def request(self, order: Mapping[str, Any]) -> OrderRequest:
        """The Copper order that is ``order`` (ValidationError for a malformed one)."""

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return self.request(order).payload_hash()

    def sign_again(self, entry: Entry) -> bool:
        return False  # Copper keeps this node's partial signature with the order

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        return self.account.record_payout(self.request(order), record)

    def rebroadcast(self, entry: Entry, record: RecordExecution) -> str:
        return "copper_broadcasts"
