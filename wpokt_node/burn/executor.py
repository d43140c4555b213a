"""The burn executor: moves burns and refunds (vault releases) through their states.

- ``detected``: burns re-check their log (canonical, same data, depth); a log gone from the
  chain fails the entry once the blocks that replaced it are themselves confirmed. Refunds
  count the deposit tx's confirmations.
- ``confirmed``: an amount not above the fee fails (``amount_not_above_fee``); otherwise the
  vault sequence is allocated and the order stored (``started``) before any signature.
- ``started``: if the chain proves the payload dead, re-prepare; else apply the signing rule
  (``custody.signing``) and promote to ``signed`` at the threshold.
- ``signed``: in sequence order, read the outcome. Any node records ``executed`` or
  re-prepares a dead release; only the holder of the ``release-executor`` lease broadcasts
  (the release whose sequence is the vault's, or a rebroadcast of the recorded bytes).

Every node retires a payload in its own journal only after proving its death on chain itself.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.amounts import amount_from_db
from wpokt_node.config import Settings
from wpokt_node.custody.base import (
    OutcomeKind,
    RebuildMismatchError,
    RecordExecution,
)
from wpokt_node.custody.pokt_release import (
    AMOUNT_NOT_ABOVE_FEE,
    ReleaseConfig,
    ReleaseKind,
    VaultReleaseCustody,
    payout_amount,
    spec_from_order,
)
from wpokt_node.db import leases
from wpokt_node.db.schema import BURNS, REFUNDS, Status
from wpokt_node.db.transitions import fail_entry, record_confirmations, transition
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.eth.burn_check import BurnLogState, ExpectedBurn, check_burn_log
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.logs import get_logger
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.pause import pause_reason
from wpokt_node.payout.signing import (
    Signer,
    SignStep,
    promote_if_signed,
    sign_entry,
    stored_signatures,
)
from wpokt_node.payout.steps import run_entry_step
from wpokt_node.pokt.client import PocketClient

log = get_logger(__name__)

Document = dict[str, Any]
EXECUTION_LEASE = "release-executor"
RELEASE_COLLECTIONS = (BURNS, REFUNDS)


class ReleaseExecutor:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        eth: EthClient,
        pokt_signer: Secp256k1Signer,
        journal: SigningJournal,
        execution_lease: str = EXECUTION_LEASE,
    ) -> None:
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.eth = eth
        self.journal = journal
        self.node_id = settings.node_id
        self.execution_lease = execution_lease
        self.config = ReleaseConfig.from_settings(settings)
        self.batch_size = settings.workers.burn_executor.batch_size
        self.lease_ttl_s = settings.workers.lease_ttl_s
        self.custodies = {
            kind.collection: VaultReleaseCustody(
                kind,
                config=self.config,
                db=db,
                pokt=pokt,
                eth=eth,
                signer=pokt_signer,
                node_id=self.node_id,
                lease_ttl_s=self.lease_ttl_s,
            )
            for kind in ReleaseKind
        }

    def signer(self) -> Signer:
        return Signer(
            db=self.db,
            journal=self.journal,
            node_id=self.node_id,
            threshold=self.settings.cluster.threshold,
            paused=self.paused() is not None,
        )

    def paused(self) -> str | None:
        return pause_reason(self.db, self.settings)

    # -- the pass -----------------------------------------------------------------------------

    def run_once(self) -> dict[str, object]:
        summary: dict[str, int] = {"handled": 0}
        budget = self.batch_size
        stages = (
            (Status.DETECTED, self._detected),
            (Status.CONFIRMED, self._confirmed),
            (Status.STARTED, self._started),
            (Status.SIGNED, self._signed),
        )
        for status, handle in stages:
            if budget <= 0:
                break
            entries = self._open(status, budget)
            for collection, entry in entries:
                budget -= 1
                summary["handled"] += 1
                run_entry_step(
                    summary,
                    entry["_id"],
                    partial(handle, collection, entry),
                    what="release",
                    collection=collection,
                    status=status.value,
                )
        return dict(summary)

    def _open(self, status: Status, limit: int) -> list[tuple[str, Document]]:
        found: list[tuple[str, Document]] = []
        try:
            for collection in RELEASE_COLLECTIONS:
                cursor = self.db[collection].find({"status": status.value})
                found.extend((collection, e) for e in cursor.sort("created_at", 1).limit(limit))
        except PyMongoError as exc:
            raise DatabaseError(f"reading {status.value} releases failed: {exc}") from None
        if status is Status.SIGNED:  # only the release at the vault's sequence can land
            found.sort(key=lambda item: _sequence_of(item[1]))
        else:
            found.sort(key=lambda item: _created_key(item[1]))
        return found[:limit]

    # -- detected -----------------------------------------------------------------------------

    def _detected(self, collection: str, entry: Document) -> str:
        if collection == BURNS:
            return self._detected_burn(entry)
        return self._detected_refund(entry)

    def _detected_burn(self, entry: Document) -> str:
        expected = ExpectedBurn(
            transaction_hash=str(entry["transaction_hash"]),
            log_index=int(entry["log_index"]),
            amount=amount_from_db(entry["amount"]),
            from_address=str(entry["from_address"]),
            to_address=str(entry["to_address"]),
        )
        check = check_burn_log(
            self.eth, self.config.token_address, expected, self.config.eth_policy
        )
        if check.state is BurnLogState.MISMATCH:
            return self._fail(BURNS, entry, Status.DETECTED, f"burn log differs: {check.reason}")
        if check.state is BurnLogState.MISSING:
            # Gone from the canonical chain. Wait until the blocks that replaced it are deep
            # enough that it would have been confirmed, then give up on it.
            if self.config.eth_policy.check(self.eth, int(entry["height"])).confirmed:
                return self._fail(
                    BURNS, entry, Status.DETECTED, f"burn log gone (reorg): {check.reason}"
                )
            return "waiting"
        assert check.event is not None
        fields = {"confirmations": check.confirmations, "height": check.event.block_number}
        return record_confirmations(
            self.db, BURNS, entry["_id"], confirmed=check.confirmed, fields=fields,
            node_id=self.node_id,
        )  # fmt: skip

    def _detected_refund(self, entry: Document) -> str:
        response = self.pokt.tx(str(entry["transaction_hash"]))
        if response is None:
            log.warning("refund deposit not found (yet)", entry_id=str(entry["_id"]))
            return "waiting"
        if int(response.get("code") or 0) != 0:
            return self._fail(REFUNDS, entry, Status.DETECTED, "deposit tx failed on chain")
        height = int(response.get("height") or 0)
        confirmations = max(0, self.pokt.latest_height() - height + 1)
        return record_confirmations(
            self.db, REFUNDS, entry["_id"],
            confirmed=confirmations >= self.config.pokt_confirmations,
            fields={"confirmations": confirmations}, node_id=self.node_id,
        )  # fmt: skip

    def _fail(self, collection: str, entry: Document, expected: Status, error: str) -> str:
        log.warning("release failed", entry_id=str(entry["_id"]), error=error)
        moved = fail_entry(
            self.db, collection, entry["_id"], expected=expected, node_id=self.node_id, error=error
        )
        return "failed" if moved else "race_lost"

    # -- confirmed ----------------------------------------------------------------------------

    def _confirmed(self, collection: str, entry: Document) -> str:
        if payout_amount(amount_from_db(entry["amount"]), self.config.fee) is None:
            return self._fail(collection, entry, Status.CONFIRMED, AMOUNT_NOT_ABOVE_FEE)
        prepared = self.custodies[collection].prepare(entry)
        moved = transition(
            self.db,
            collection,
            entry["_id"],
            expected=Status.CONFIRMED,
            to=Status.STARTED,
            node_id=self.node_id,
            reason=f"vault sequence {prepared.number}",
            set_fields={"order": prepared.order, "sequence": prepared.number},
        )
        return "started" if moved else "race_lost"

    # -- started ------------------------------------------------------------------------------

    def _started(self, collection: str, entry: Document) -> str:
        custody = self.custodies[collection]
        order = entry.get("order")
        if not isinstance(order, dict):
            log.error("started release without an order", alert=True, entry_id=str(entry["_id"]))
            return "invalid"
        try:
            spec = spec_from_order(order)
        except ValidationError as exc:
            log.error(
                "started release with a malformed order", entry_id=str(entry["_id"]), error=str(exc)
            )
            return "invalid"
        signer = self.signer()
        if self._vault_sequence(custody) > spec.sequence:
            outcome = custody.outcome(entry, order)
            if outcome.kind is OutcomeKind.DEAD:
                return self._reprepare(collection, entry, Status.STARTED, outcome.detail)
            if outcome.kind is OutcomeKind.EXECUTED:
                # Someone assembled it from the stored signatures: each was made by a node
                # that rebuilt this order, so at the threshold it is signed (and executed).
                promoted = promote_if_signed(signer, custody, collection, entry, order)
                return "signed" if promoted else "waiting"
        self._retire_proven_dead(custody, entry)
        step, rebuilt = sign_entry(signer, custody, collection, entry)
        if step is SignStep.REFUSED:
            return "refused"
        fresh = self.db[collection].find_one({"_id": entry["_id"]})
        if fresh is None or fresh.get("status") != Status.STARTED.value:
            return step.value
        if rebuilt is None:
            try:
                rebuilt = custody.rebuild(fresh)
            except RebuildMismatchError:
                return step.value
        if rebuilt != fresh.get("order"):
            return step.value
        promoted = promote_if_signed(signer, custody, collection, fresh, rebuilt)
        return "signed" if promoted else step.value

    def _vault_sequence(self, custody: VaultReleaseCustody) -> int:
        account = self.pokt.account(custody.vault)
        return 0 if account is None else account.sequence

    def _retire_proven_dead(self, custody: VaultReleaseCustody, entry: Document) -> None:
        """If this node's journal still holds an earlier payload for this source event, retire
        it once this node has proven on its own RPC that that payload can never land."""
        event = custody.source_event(entry)
        live = self.journal.live_payload(event)
        order = entry.get("order")
        if live is None or (isinstance(order, dict) and custody.payload_hash(order) == live):
            return
        for retired in _retired_orders(entry):
            try:
                old_order = retired["order"]
                if custody.payload_hash(old_order) != live:
                    continue
                spec = spec_from_order(old_order)
            except (KeyError, TypeError, ValidationError):
                continue
            recorded = retired.get("execution_tx_hash")
            outcome = custody.release_outcome(
                spec, recorded if isinstance(recorded, str) else None, has_bytes=False
            )
            if outcome.kind is OutcomeKind.DEAD:
                self.journal.retire(event, live, f"proven dead on chain: {outcome.detail}")
                log.info("journal payload retired", entry_id=str(entry["_id"]), source_event=event)
            return

    def _reprepare(self, collection: str, entry: Document, expected: Status, reason: str) -> str:
        """The chain proved the payload dead: back to ``confirmed`` for a new sequence."""
        custody = self.custodies[collection]
        order = entry.get("order")
        retired = [
            *_retired_orders(entry),
            {
                "order": order,
                "sequence": entry.get("sequence"),
                "execution_tx_hash": entry.get("execution_tx_hash"),
                "reason": reason[:500],
                "at_ms": int(time.time() * 1000),
            },
        ]
        moved = transition(
            self.db,
            collection,
            entry["_id"],
            expected=expected,
            to=Status.CONFIRMED,
            node_id=self.node_id,
            reason=f"re-prepare: {reason}"[:500],
            set_fields={
                "order": None,
                "sequence": None,
                "execution_tx_hash": None,
                "execution_tx_bytes": None,
                "refusals": {},
                "retired_orders": retired,
            },
        )
        if moved is None:
            return "race_lost"
        log.warning("release re-prepared", entry_id=str(entry["_id"]), reason=reason)
        if isinstance(order, dict):  # this node verified the death itself just now
            self.journal.retire(
                custody.source_event(entry), custody.payload_hash(order), f"dead: {reason}"
            )
        return "reprepared"

    # -- signed -------------------------------------------------------------------------------

    def _signed(self, collection: str, entry: Document) -> str:
        custody = self.custodies[collection]
        order = entry["order"]
        outcome = custody.outcome(entry, order)
        if outcome.kind is OutcomeKind.EXECUTED:
            moved = transition(
                self.db,
                collection,
                entry["_id"],
                expected=Status.SIGNED,
                to=Status.EXECUTED,
                node_id=self.node_id,
                reason=outcome.detail,
                set_fields={"execution_tx_hash": outcome.tx_hash},
            )
            return "executed" if moved else "race_lost"
        if outcome.kind is OutcomeKind.DEAD:
            return self._reprepare(collection, entry, Status.SIGNED, outcome.detail)
        if not self._is_executor():
            return "waiting"
        if outcome.kind in (OutcomeKind.PENDING, OutcomeKind.NOT_SUBMITTED):
            paused = self.paused()
            if paused is not None:
                log.info("release not broadcast: paused", entry_id=str(entry["_id"]), why=paused)
                return "paused"
        if outcome.kind is OutcomeKind.PENDING:
            if not outcome.extra.get("included"):
                custody.rebroadcast(entry)
            return "pending"
        if outcome.kind is OutcomeKind.NOT_SUBMITTED:
            if outcome.extra.get("vault_sequence") != spec_from_order(order).sequence:
                return "waiting"  # an earlier sequence has to land first
            tx_hash = custody.execute(
                entry, order, stored_signatures(entry), self._recorder(collection, entry)
            )
            return "broadcast" if tx_hash else "race_lost"
        return "waiting"

    def _is_executor(self) -> bool:
        return leases.acquire(self.db, self.execution_lease, self.node_id, self.lease_ttl_s)

    def _recorder(self, collection: str, entry: Document) -> RecordExecution:
        def record(tx_hash: str, extra: Mapping[str, Any]) -> bool:
            try:
                result = self.db[collection].update_one(
                    {"_id": entry["_id"], "status": Status.SIGNED.value, "execution_tx_hash": None},
                    {
                        "$set": {"execution_tx_hash": tx_hash, **extra},
                        "$currentDate": {"updated_at": True},
                    },
                )
                if result.modified_count == 1:
                    return True
                current = self.db[collection].find_one(
                    {"_id": entry["_id"]}, projection={"status": 1, "execution_tx_hash": 1}
                )
            except PyMongoError as exc:
                raise DatabaseError(f"{collection}: recording the release failed: {exc}") from None
            return (
                current is not None
                and current.get("status") == Status.SIGNED.value
                and current.get("execution_tx_hash") == tx_hash
            )

        return record


def _sequence_of(entry: Mapping[str, Any]) -> int:
    value = entry.get("sequence")
    return value if isinstance(value, int) and not isinstance(value, bool) else 2**63


def _created_key(entry: Mapping[str, Any]) -> float:
    value = entry.get("created_at")
    return value.timestamp() if isinstance(value, datetime) else 0.0


def _retired_orders(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = entry.get("retired_orders")
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
