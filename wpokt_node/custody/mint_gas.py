"""Gas escalation of a stuck ``mintWrappedPocket`` transaction.

A mint tx that this node sent and that is still pending is replaced, not re-sent with the same
bytes forever, when it is underpriced (its max fee is below the latest base fee, so it cannot
be included) or has been pending longer than ``ethereum.gas_escalate_after_s``. The replacement
has the same gas-account nonce, call and gas limit, and both EIP-1559 fees raised by at least
``ethereum.gas_bump_percent`` (geth's txpool requires 10 %) and to at least the market's,
never above ``ethereum.max_fee_per_gas_wei``.

Safe by construction: both transactions spend one nonce of the gas account, so at most one is
mined; both carry the same MintData, which the token executes once. The replacement is recorded
on the entry (compare-and-set over the tx it replaces) before it is broadcast. Only the sender
of a tx can replace it (its gas key): a pending tx of another node is re-sent as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from wpokt_node.custody.base import RecordExecution
from wpokt_node.custody.mint_chain import execution_fields
from wpokt_node.db.models import Entry
from wpokt_node.errors import ChainError
from wpokt_node.eth.transactions import GasCapError, TransactionSender, decode_signed
from wpokt_node.logs import get_logger

log = get_logger(__name__)


class GasEscalation:
    def __init__(
        self,
        sender: TransactionSender,
        escalate_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sender, self.escalate_after_s, self.clock = sender, escalate_after_s, clock
        self._pending_since: dict[str, float] = {}

    def sent(self, tx_hash: str) -> None:
        """``tx_hash`` was just broadcast by this node: its pending time starts now."""
        self._pending_since[tx_hash.lower()] = self.clock()

    def reason(self, raw: bytes) -> str | None:
        """Why the pending tx ``raw`` should be replaced now, or None."""
        old = decode_signed(raw)
        if old.sender != self.sender.address:
            return None
        base_fee = self.sender.base_fee()
        if old.max_fee_per_gas < base_fee:
            return (
                f"underpriced: max fee {old.max_fee_per_gas} wei is below the base fee {base_fee}"
            )
        since = self._pending_since.setdefault(old.tx_hash, self.clock())
        waited = self.clock() - since
        if waited >= self.escalate_after_s:
            return f"pending for {waited:.0f} s"
        return None

    def replace(self, entry: Entry, raw: bytes, record: RecordExecution) -> str | None:
        """Record, then broadcast, a replacement of ``raw``; its hash, or None when the fee cap
        forbids it or another node recorded something else first."""
        try:
            signed = self.sender.replacement(raw)
        except GasCapError as capped:
            log.error("mint gas escalation capped", alert=True, entry_id=str(entry.id),
                      error=str(capped))  # fmt: skip
            return None
        if not record(signed.tx_hash, execution_fields(signed)):
            return None
        try:
            self.sender.broadcast(signed)
        except ChainError as exc:
            log.warning("mint replacement not accepted", entry_id=str(entry.id), error=str(exc))
            return None
        self.sent(signed.tx_hash)
        log.warning(
            "mint tx replaced with higher fees",
            entry_id=str(entry.id),
            replaced=entry.execution_tx_hash,
            tx_hash=signed.tx_hash,
            nonce=signed.nonce,
            max_fee_per_gas=signed.max_fee_per_gas,
        )
        return signed.tx_hash
