"""The broadcast thread: fully signed orders are paid out one at a time, oldest first.

Each order goes ``full-signed-tx-added`` -> ``processing`` (with ``extra.transactionId``, before
waiting for inclusion) -> ``executed`` or ``error`` (with ``extra.errorDescription``); see
``chains`` for which failure leads where. A failure never ends the thread. While held (test
hook ``hold_broadcast``), queued orders stay ``full-signed-tx-added``.
"""

from __future__ import annotations

import queue
import threading

import structlog

from wpokt_devnet.copper_sim.chains import BroadcastStoppedError, Payer, PayoutFailedError
from wpokt_devnet.copper_sim.orders import ERROR, EXECUTED, PROCESSING, OrderBook
from wpokt_devnet.copper_sim.validation import TRANSACTION_TYPE

log = structlog.get_logger(__name__)


class Broadcaster:
    def __init__(
        self, book: OrderBook, payers: dict[str, Payer], stopping: threading.Event
    ) -> None:
        """``payers``: one per enabled currency (``POKT``, ``ETH``)."""
        self.book = book
        self.payers = payers
        self._stopping = stopping
        self._released = threading.Event()
        self._released.set()
        self._thread = threading.Thread(target=self._run, name="copper-broadcast", daemon=True)

    def hold(self, held: bool) -> None:
        """Pause (True) or resume (False) broadcasting; an order in flight finishes."""
        if held:
            self._released.clear()
        else:
            self._released.set()

    @property
    def held(self) -> bool:
        return not self._released.is_set()

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        """Wait for the thread to end (after ``stopping`` was set)."""
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                order_id = self.book.fully_signed.get(timeout=0.1)
            except queue.Empty:
                continue
            while not self._released.wait(0.1):
                if self._stopping.is_set():
                    return
            try:
                self._broadcast(order_id)
            except BroadcastStoppedError:
                return
            except Exception as exc:  # a bug must not end the thread
                log.exception("copper_sim.broadcast_failed", order_id=order_id)
                self.book.mark(order_id, ERROR, error=f"internal error: {type(exc).__name__}")

    def _broadcast(self, order_id: str) -> None:
        request = self.book.claim_for_broadcast(order_id)
        if request is None:
            return  # no longer fully signed (a test hook changed it)
        currency = request.get("currency")
        payer = self.payers.get(str(currency))
        if payer is None or request.get("blockchainTransactionType") != TRANSACTION_TYPE.get(
            str(currency)
        ):
            kind = request.get("blockchainTransactionType")
            self.book.mark(order_id, ERROR, error=f"cannot broadcast a {currency} {kind} here")
            return

        def on_sent(transaction_id: str) -> None:
            self.book.mark(order_id, PROCESSING, transaction_id=transaction_id)

        try:
            payer.pay(request, on_sent)
        except PayoutFailedError as exc:
            log.info("copper_sim.order_error", order_id=order_id, reason=exc.reason)
            self.book.mark(order_id, ERROR, error=exc.reason)
            return
        log.info("copper_sim.order_executed", order_id=order_id)
        self.book.mark(order_id, EXECUTED)
