"""The platform's order state: every withdraw order of the portfolio, behind one lock.

Statuses are Copper's ``OrderStatus`` values (Copper docs, ``OrderStatus``); the life of an
order here: ``co-sign-require`` -> ``part-signed-tx-added`` -> ``full-signed-tx-added`` ->
``processing`` -> ``executed`` | ``error``, or ``canceled`` before it is fully signed.
The sign request is ``extra.transactionRequest``, and an order is fully signed when
``coSignersNumber`` distinct shards have signed the sign request the order has now (both
assumptions, docs/copper.md): a part signature over an earlier, since changed, request no
longer counts.
"""

from __future__ import annotations

import copy
import hmac
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from wpokt_devnet.copper_sim.auth import part_signature, sign_request_hash
from wpokt_devnet.copper_sim.errors import PlatformError, invalid, not_found
from wpokt_devnet.copper_sim.validation import OrderRequest

CO_SIGN_REQUIRE = "co-sign-require"
PART_SIGNED = "part-signed-tx-added"
FULL_SIGNED = "full-signed-tx-added"
PROCESSING = "processing"
EXECUTED = "executed"
CANCELED = "canceled"
ERROR = "error"
SIGNABLE = frozenset({CO_SIGN_REQUIRE, PART_SIGNED})
PART_SIGNATURE_FIELDS = ("shardId", "transactionRequestId", "signRequestHash", "signature")


def now_ms() -> int:
    return int(time.time() * 1000)


def _refused(message: str) -> PlatformError:
    return PlatformError(HTTPStatus.BAD_REQUEST, "invalid-part-signature", message)


@dataclass(slots=True)
class _Record:
    order: dict[str, Any]
    signed: dict[str, str] = field(default_factory=dict)  # shard id -> request hash it signed


class OrderBook:
    """Creates, reads and changes orders; fully signed order ids go to ``fully_signed``."""

    def __init__(
        self,
        threshold: int,
        shard_secrets: Mapping[str, bytes],
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.threshold = threshold
        self._shards = dict(shard_secrets)
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}
        self._by_external_id: dict[str, str] = {}
        self._stats: Counter[str] = Counter()
        self.fully_signed: queue.Queue[str] = queue.Queue()

    def create(self, request: OrderRequest) -> dict[str, Any]:
        """A new order in ``co-sign-require``; 409 ``duplicate-external-order-id`` (creating
        nothing) if the portfolio has one with this externalOrderId (assumption,
        docs/copper.md)."""
        with self._lock:
            if request.external_order_id in self._by_external_id:
                self._stats["duplicates"] += 1
                raise PlatformError(
                    HTTPStatus.CONFLICT,
                    "duplicate-external-order-id",
                    f"externalOrderId {request.external_order_id} exists in the portfolio",
                )
            order = self._new_order(request)
            self._records[order["orderId"]] = _Record(order)
            self._by_external_id[request.external_order_id] = order["orderId"]
            self._stats["creates"] += 1
            return copy.deepcopy(order)

    def _new_order(self, request: OrderRequest) -> dict[str, Any]:
        order_id, stamp = str(uuid.uuid4()), str(self._clock())
        transaction_request = {
            "transactionRequestId": str(uuid.uuid4()),
            "orderId": order_id,
            "currency": request.base_currency,
            "toAddress": request.to_address,
            "amount": request.amount,
            "memo": request.memo,
            "payload": request.payload,
            "blockchainTransactionType": request.transaction_type,
        }
        return {
            "orderId": order_id,
            "externalOrderId": request.external_order_id,
            "portfolioId": request.portfolio_id,
            "orderType": "withdraw",
            "baseCurrency": request.base_currency,
            "mainCurrency": request.main_currency,
            "amount": request.amount,
            "status": CO_SIGN_REQUIRE,
            "createdAt": stamp,
            "updatedAt": stamp,
            "extra": {
                "toAddress": request.to_address,
                "memo": request.memo,
                "payload": request.payload,
                "blockchainTransactionType": request.transaction_type,
                "description": request.description,
                "coSigners": [],
                "coSignersNumber": str(self.threshold),
                "transactionRequest": transaction_request,
                "transactionId": None,
                "errorDescription": None,
            },
        }

    def _record(self, order_id: str) -> _Record:
        record = self._records.get(order_id)
        if record is None:
            raise not_found(f"order {order_id[:80]} not found")
        return record

    def get(self, order_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._record(order_id).order)

    def find(
        self, external_order_id: str | None, portfolio_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Orders matching both filters (None: any), oldest first, at most ``limit``."""
        with self._lock:
            found = [
                r.order
                for r in self._records.values()
                if external_order_id in (None, r.order["externalOrderId"])
                and portfolio_id in (None, r.order["portfolioId"])
            ]
            return copy.deepcopy(found[:limit])

    def add_part_signature(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record one shard's part signature over the order's current sign request; the
        threshold-th distinct shard makes the order ``full-signed-tx-added`` and queues it."""
        values = {name: body.get(name) for name in PART_SIGNATURE_FIELDS}
        for name, value in values.items():
            if not isinstance(value, str) or not value:
                raise invalid(name, "is required (a string)")
        shard_id = str(values["shardId"])
        with self._lock:
            record = self._record(order_id)
            order = record.order
            current = sign_request_hash(order["extra"]["transactionRequest"])
            problem = self._part_problem(order, current, values)
            if problem:
                self._stats["refused_part_signatures"] += 1
                raise _refused(problem)
            record.signed[shard_id] = current
            signers = [shard for shard, signed in record.signed.items() if signed == current]
            order["extra"]["coSigners"] = signers
            full = len(signers) >= self.threshold
            order["status"] = FULL_SIGNED if full else PART_SIGNED
            order["updatedAt"] = str(self._clock())
            self._stats["part_signatures"] += 1
            if full:
                self.fully_signed.put(order_id)
            return copy.deepcopy(order)

    def _part_problem(self, order: dict[str, Any], current: str, values: dict[str, Any]) -> str:
        """Why a part signature is refused ("" if it is accepted)."""
        request = order["extra"]["transactionRequest"]
        secret = self._shards.get(values["shardId"])
        if order["status"] not in SIGNABLE:
            return f"the order is {order['status']}: it takes no more signatures"
        if not isinstance(request, dict) or values["transactionRequestId"] != request.get(
            "transactionRequestId"
        ):
            return "transactionRequestId is not the order's"
        if values["signRequestHash"] != current:
            return "signRequestHash is not the hash of the order's sign request"
        if secret is None:
            return f"unknown shard {values['shardId'][:80]}"
        if not hmac.compare_digest(
            values["signature"].encode(), part_signature(secret, current).encode()
        ):
            return "the signature does not verify with the shard"
        return ""

    def cancel(self, order_id: str) -> dict[str, Any]:
        """Cancel an order not yet fully signed; 409 ``invalid-status`` otherwise."""
        with self._lock:
            order = self._record(order_id).order
            if order["status"] not in SIGNABLE:
                raise PlatformError(
                    HTTPStatus.CONFLICT,
                    "invalid-status",
                    f"an order in status {order['status']} cannot be canceled",
                )
            order["status"] = CANCELED
            order["updatedAt"] = str(self._clock())
            return copy.deepcopy(order)

    def tamper(self, order_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Overwrite fields by dotted path (test hook: what a compromised account could do).
        Every parent on a path must exist and be an object."""
        with self._lock:
            order = self._record(order_id).order
            for path, value in changes.items():
                *parents, last = path.split(".")
                target: Any = order
                for part in parents:
                    target = target.get(part) if isinstance(target, dict) else None
                if not isinstance(target, dict) or not last:
                    raise invalid("set", f"{path[:80]} does not name a field of the order")
                target[last] = copy.deepcopy(value)
            return copy.deepcopy(order)

    def claim_for_broadcast(self, order_id: str) -> dict[str, Any] | None:
        """The signed sign request of a fully signed order, or None if it is no longer one."""
        with self._lock:
            record = self._records.get(order_id)
            if record is None or record.order["status"] != FULL_SIGNED:
                return None
            self._stats["broadcasts"] += 1
            request: dict[str, Any] = copy.deepcopy(record.order["extra"]["transactionRequest"])
            return request

    def mark(
        self,
        order_id: str,
        status: str,
        *,
        transaction_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Move an order on during its broadcast (and set its tx hash or error)."""
        with self._lock:
            order = self._record(order_id).order
            order["status"] = status
            order["updatedAt"] = str(self._clock())
            if transaction_id is not None:
                order["extra"]["transactionId"] = transaction_id
            if error is not None:
                order["extra"]["errorDescription"] = error
            self._stats[status] += 1

    def all_orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy([r.order for r in self._records.values()])

    def stats(self) -> dict[str, int]:
        with self._lock:
            counts = {"creates": 0, "duplicates": 0, "broadcasts": 0, **self._stats}
            counts["orders"] = len(self._records)
            return counts
