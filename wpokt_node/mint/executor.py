"""The mint-executor worker: moves ``mints`` entries through their states.

One pass handles, in this order, at most ``batch_size`` entries of each status:

- ``detected``: re-read the deposit from this node's Pocket RPC; count confirmations; at the
  configured depth -> ``confirmed``. A deposit that vanished (the RPC is past its height and
  does not know it) or no longer classifies as this exact mint -> ``failed``.
- ``confirmed``: allocate the nonce (``custody.prepare``) and store the order -> ``started``,
  before anyone signs; with a daily cap, only while the 24 h window allows (``daily_cap``),
  else the entry stays ``confirmed`` with ``held: "daily_mint_cap"``.
- ``started``: the daily cap again (this node's own check), then the signing rule
  (``custody.signing.sign_entry``; a paused node signs nothing), then ``signed`` once
  ``threshold`` distinct valid signatures exist.
- ``signed``: read the outcome first. Any node moves an entry whose mint is on chain to
  ``executed``. Only the holder of the ``mint-executor`` lease submits, and not while paused:
  per recipient in nonce order, a nonce only once the chain is at nonce - 1 and the
  MintController's current mint limit covers the amount (else ``held: "mint_limit"``); a
  pending tx is rebroadcast with the same bytes; a nonce consumed by something else ->
  ``failed`` (never reassigned).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.amounts import amount_from_db
from wpokt_node.custody.base import OutcomeKind, RebuildMismatchError
from wpokt_node.custody.eth_mint import EthMintCustody
from wpokt_node.db import leases
from wpokt_node.db.schema import MINTS, Status
from wpokt_node.db.transitions import fail_entry, record_confirmations, transition
from wpokt_node.errors import DatabaseError, NotReadyError, WpoktError
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.logs import get_logger
from wpokt_node.mint.daily_cap import (
    HELD_DAILY_CAP,
    HELD_MINT_LIMIT,
    fits_to_sign,
    fits_to_start,
)
from wpokt_node.node.context import NodeContext
from wpokt_node.payout.signing import (
    Signer,
    SignStep,
    promote_if_signed,
    sign_entry,
    stored_signatures,
)
from wpokt_node.payout.steps import run_entry_step

log = get_logger(__name__)

Document = dict[str, Any]
EXECUTOR_LEASE = "mint-executor"
DAILY_CAP_LEASE = "mint-daily-cap"


def _now_ms() -> int:
    return int(time.time() * 1000)


def build_custody(context: NodeContext) -> EthMintCustody:
    settings = context.settings
    return EthMintCustody(
        settings=settings,
        db=context.db,
        pokt=context.pokt,
        eth=context.eth,
        token=context.token,
        controller=context.controller,
        eth_signer=context.eth_signer,
        gas_sender=TransactionSender(context.eth, context.eth_gas, settings.ethereum.chain_id),
    )


class MintExecutor:
    def __init__(
        self,
        context: NodeContext,
        custody: EthMintCustody | None = None,
        *,
        lease_name: str = EXECUTOR_LEASE,
    ) -> None:
        self.context = context
        self.db: Database[Document] = context.db
        self.settings = context.settings
        self.custody = custody or build_custody(context)
        self.lease_name = lease_name
        self.batch_size = self.settings.workers.mint_executor.batch_size

    @property
    def node_id(self) -> str:
        return self.context.node_id

    def run_once(self) -> dict[str, object]:
        summary: dict[str, int] = {}
        for status, step in (
            (Status.DETECTED, self._check_detected),
            (Status.CONFIRMED, self._start),
            (Status.STARTED, self._sign),
        ):
            for entry in self._open(status):
                self._guarded(summary, entry, step)
        is_executor = leases.acquire(
            self.db, self.lease_name, self.node_id, self.settings.workers.lease_ttl_s
        )
        summary["executor"] = int(is_executor)
        for entry in self._open(Status.SIGNED):
            self._guarded(summary, entry, lambda e: self._execute(e, is_executor))
        return dict(summary)

    def _open(self, status: Status) -> list[Document]:
        if status is Status.SIGNED:
            order = [("to_address", 1), ("nonce", 1)]
        else:
            order = [("height", 1), ("created_at", 1)]
        try:
            return list(
                self.db[MINTS].find({"status": status.value}).sort(order).limit(self.batch_size)
            )
        except PyMongoError as exc:
            raise DatabaseError(f"mints: read failed: {exc}") from None

    def _guarded(
        self, summary: dict[str, int], entry: Document, step: Callable[[Document], str]
    ) -> None:
        """Run one entry's step; one bad entry never stops the pass."""
        run_entry_step(
            summary, entry.get("_id"), partial(step, entry), what="mint", status=entry.get("status")
        )

    def _fail(self, entry: Document, expected: Status, error: str) -> str:
        log.error("mint failed", alert=True, entry_id=str(entry["_id"]), error=error)
        moved = fail_entry(
            self.db, MINTS, entry["_id"], expected=expected, node_id=self.node_id, error=error
        )
        return "failed" if moved else "race_lost"

    # -- detected ------------------------------------------------------------------------------

    def _check_detected(self, entry: Document) -> str:
        try:
            checked = self.custody.fetch_deposit(entry)
        except RebuildMismatchError as mismatch:
            return self._fail(entry, Status.DETECTED, mismatch.reason)
        if checked is None:
            if self.context.pokt.latest_height() >= int(entry.get("height") or 0):
                return self._fail(entry, Status.DETECTED, "deposit tx not found on Pocket")
            return "waiting"
        confirmations = checked.confirmations
        return record_confirmations(
            self.db, MINTS, entry["_id"],
            confirmed=confirmations >= self.settings.pocket.confirmations,
            fields={"confirmations": confirmations}, node_id=self.node_id,
        )  # fmt: skip

    # -- confirmed -----------------------------------------------------------------------------

    def _start(self, entry: Document) -> str:
        cap = self.settings.caps.daily_mint_cap_upokt
        if cap is None:
            return self._allocate(entry)
        ttl = self.settings.workers.lease_ttl_s
        if not leases.acquire(self.db, DAILY_CAP_LEASE, self.node_id, ttl):
            raise NotReadyError(f"lease {DAILY_CAP_LEASE} is held by another node")
        try:
            amount = amount_from_db(entry.get("amount"))
            if not fits_to_start(self.db, cap, amount, _now_ms()):
                self._hold(entry, Status.CONFIRMED, HELD_DAILY_CAP, f"daily mint cap {cap}")
                return "held_daily_cap"
            return self._allocate(entry)
        finally:
            leases.release(self.db, DAILY_CAP_LEASE, self.node_id)

    def _allocate(self, entry: Document) -> str:
        prepared = self.custody.prepare(entry)
        moved = transition(
            self.db,
            MINTS,
            entry["_id"],
            expected=Status.CONFIRMED,
            to=Status.STARTED,
            node_id=self.node_id,
            reason=f"nonce {prepared.number}",
            set_fields={
                "order": prepared.order,
                "nonce": prepared.number,
                "started_at_ms": _now_ms(),
                "held": None,
                "held_detail": None,
            },
        )
        return "started" if moved else "race_lost"

    def _hold(self, entry: Document, status: Status, held: str | None, detail: str | None) -> None:
        """Show on the entry why it waits (``held``), or clear it; writes only on a change."""
        if entry.get("held") == held and entry.get("held_detail") == detail:
            return
        if held is not None:
            log.info("mint held", entry_id=str(entry["_id"]), held=held, detail=detail)
        try:
            self.db[MINTS].update_one(
                {"_id": entry["_id"], "status": status.value},
                {"$set": {"held": held, "held_detail": detail}},
            )
        except PyMongoError as exc:
            raise DatabaseError(f"mints: recording held state failed: {exc}") from None

    # -- started -------------------------------------------------------------------------------

    def _sign(self, entry: Document) -> str:
        cap = self.settings.caps.daily_mint_cap_upokt
        if cap is not None and self.node_id not in (entry.get("signers") or []):
            if not fits_to_sign(self.db, cap, entry["_id"], _now_ms()):
                self._hold(entry, Status.STARTED, HELD_DAILY_CAP, f"daily mint cap {cap}")
                return "held_daily_cap"
            if entry.get("held") == HELD_DAILY_CAP:
                self._hold(entry, Status.STARTED, None, None)
        signer = self.context.signer()
        step, order = sign_entry(signer, self.custody, MINTS, entry)
        fresh = self._reload(entry["_id"])
        if fresh is None or fresh.get("status") != Status.STARTED.value:
            return step.value
        if step is SignStep.ALREADY_SIGNED:
            order = self._own_order(signer, fresh)
        elif step is not SignStep.SIGNED:
            return step.value
        if order is not None and promote_if_signed(signer, self.custody, MINTS, fresh, order):
            return "signed_threshold"
        return step.value

    def _own_order(self, signer: Signer, entry: Document) -> Mapping[str, Any] | None:
        """The order this node signed for the entry: the stored one if the journal holds its
        hash, else a fresh rebuild (None if this node does not agree with it)."""
        stored = entry.get("order")
        if isinstance(stored, Mapping):
            try:
                live = signer.journal.live_payload(self.custody.source_event(entry))
                if live is not None and live == self.custody.payload_hash(stored):
                    return stored
            except WpoktError:
                log.warning("stored order unreadable; rebuilding", entry_id=str(entry["_id"]))
        try:
            return self.custody.rebuild(entry)
        except RebuildMismatchError:
            return None

    def _reload(self, entry_id: ObjectId) -> Document | None:
        try:
            return self.db[MINTS].find_one({"_id": entry_id})
        except PyMongoError as exc:
            raise DatabaseError(f"mints: read failed: {exc}") from None

    # -- signed --------------------------------------------------------------------------------

    def _execute(self, entry: Document, is_executor: bool) -> str:
        order = entry.get("order")
        if not isinstance(order, Mapping):
            return self._fail(entry, Status.SIGNED, "signed entry has no order")
        outcome = self.custody.outcome(entry, order)
        if outcome.kind is OutcomeKind.EXECUTED:
            moved = transition(
                self.db,
                MINTS,
                entry["_id"],
                expected=Status.SIGNED,
                to=Status.EXECUTED,
                node_id=self.node_id,
                reason=f"Minted in {outcome.tx_hash}",
                set_fields={"execution_tx_hash": outcome.tx_hash},
            )
            return "executed" if moved else "race_lost"
        if not is_executor:
            return "not_executor"
        if outcome.kind is OutcomeKind.FAILED:
            return self._fail(entry, Status.SIGNED, outcome.detail)
        paused = self.context.paused()
        if paused is not None:
            log.info("mint not submitted: paused", entry_id=str(entry["_id"]), why=paused)
            return "paused"
        if outcome.kind is OutcomeKind.PENDING:
            if not outcome.extra.get("mined"):
                self.custody.rebroadcast(entry)
                return "rebroadcast"
            return "pending"
        if outcome.kind is not OutcomeKind.NOT_SUBMITTED:
            return "waiting"
        nonce = entry.get("nonce")
        if not isinstance(nonce, int) or outcome.extra.get("chain_nonce") != nonce - 1:
            return "waiting_for_earlier_nonce"
        available = self.context.controller.mint_limit().current
        amount = amount_from_db(order.get("amount"))
        if available < amount:
            detail = f"MintController allows {available} now, mint needs {amount}"
            self._hold(entry, Status.SIGNED, HELD_MINT_LIMIT, detail)
            return "waiting_for_mint_limit"
        if entry.get("held") is not None:
            self._hold(entry, Status.SIGNED, None, None)
        replaces = outcome.tx_hash

        def record(tx_hash: str, fields: Mapping[str, Any]) -> bool:
            return self._record_execution(entry["_id"], tx_hash, fields, replaces)

        sent = self.custody.execute(entry, order, stored_signatures(entry), record)
        return "submitted" if sent else "race_lost"

    def _record_execution(
        self, entry_id: ObjectId, tx_hash: str, fields: Mapping[str, Any], replaces: str | None
    ) -> bool:
        """Store the execution tx before it is broadcast; only over nothing, itself, or the tx
        the chain proved dead (``replaces``). False: another node recorded one first."""
        allowed = [None, tx_hash] + ([replaces] if replaces else [])
        try:
            result = self.db[MINTS].update_one(
                {
                    "_id": entry_id,
                    "status": Status.SIGNED.value,
                    "execution_tx_hash": {"$in": allowed},
                },
                {
                    "$set": {"execution_tx_hash": tx_hash, **fields},
                    "$currentDate": {"updated_at": True},
                },
            )
        except PyMongoError as exc:
            raise DatabaseError(f"mints: recording the execution tx failed: {exc}") from None
        return result.matched_count == 1
