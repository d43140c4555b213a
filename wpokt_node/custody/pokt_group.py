"""Vault releases (burn payouts and refunds) from an x/group threshold policy account.

The vault is a group policy (``ThresholdDecisionPolicy`` T over N members of weight 1); a
payout is a proposal carrying one ``MsgSend`` vault -> recipient, titled with its source event.
Every message is a single-key tx of one member account, far below the chain's
``tx_sig_limit``, and the members pay every fee (the vault pays none).

- ``prepare`` (confirmed -> started): adopt the live proposal on chain that is exactly this
  payout (an accepted one first, then the lowest id, so racing proposers never split the
  vote); if there is none, record the intent on the entry and submit one (lease, not needed
  for safety), then wait for it on chain.
- ``rebuild``/``sign`` (started): every node re-derives the payout from its own RPCs, checks
  the proposal on chain is exactly that payout, records it in its journal (one proposal per
  source event) and votes YES with exec TRY from its own member account. ``approvals`` is the
  chain's tally, so ``signed`` means the chain accepted the proposal.
- ``execute`` (signed): ``MsgExec`` when the last vote did not execute it. The outcome is read
  from the chain: a successful proposal is pruned in the tx that runs it, so "executed" is an
  indexed ``EventExec`` with result SUCCESS; a proposal is dead only when the chain says
  rejected, aborted, withdrawn, or its execution window has passed.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.errors import PyMongoError

from wpokt_node.addresses import address_from_secp256k1_pubkey
from wpokt_node.custody.base import (
    Gap,
    Outcome,
    OutcomeKind,
    Prepared,
    RebuildMismatchError,
    RecordExecution,
    UnpayableError,
)
from wpokt_node.custody.group_chain import GroupChain
from wpokt_node.custody.release_base import ReleaseCustodyBase, ReleaseNode
from wpokt_node.custody.release_config import BELOW_MINIMUM_PAYOUT, ReleaseConfig
from wpokt_node.custody.release_sources import (
    release_title,
)
from wpokt_node.db import leases
from wpokt_node.db.models import Entry, RetiredOrder, SignatureRecord
from wpokt_node.db.schema import Status
from wpokt_node.errors import DatabaseError, NotReadyError, ValidationError, WpoktError
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.logs import get_logger
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_msgs import execute as exec_message
from wpokt_node.pokt.group_payout import GroupPayout, payload_hash
from wpokt_node.pokt.group_reads import (
    FAILURE,
    GroupReader,
    Proposal,
    ProposalStatus,
)
from wpokt_node.pokt.member_tx import MemberAccount, MemberCannotPayError

log = get_logger(__name__)

Document = dict[str, Any]
NO_VOTE_NEEDED = "no-vote-needed"  # the chain decided before this node's vote
ALERT_EVERY_S = 600.0
MAX_EXEC_BACKOFF_S = 6 * 3600.0


def _now_ms() -> int:
    return int(time.time() * 1000)


def member_account(
    config: ReleaseConfig, pokt: PocketClient, signer: Secp256k1Signer
) -> MemberAccount:
    fee = Coin(config.denom, config.fee)
    return MemberAccount(pokt, signer, chain_id=config.chain_id, fee=fee, gas_limit=config.gas)


class PoktGroupCustody(ReleaseCustodyBase):
    """The ``Custody`` of one release kind (burns or refunds) for one node, group vault."""

    execution_fields = ("execution_tx_bytes", "execution_sent_at_ms", "proposal_intent")
    number_field = "proposal_id"
    payload_names_source = True

    def __init__(self, node: ReleaseNode, *, member: MemberAccount) -> None:
        """``member``: this node's member account, one per process (burns and refunds share
        its sequence)."""
        super().__init__(node)
        self.reader = GroupReader(node.pokt)
        self.member = member
        self.chain = GroupChain(node.kind, node.config, node.pokt, self.reader)
        self._voted_at: dict[int, float] = {}
        keys = node.config.member_keys or tuple(k.hex() for k in node.config.multisig.public_keys)
        members = {address_from_secp256k1_pubkey(bytes.fromhex(k)) for k in keys}
        if self.member.address not in members:
            raise ValidationError("this node's Pocket key is not one of the vault's members")

    # -- the payout -------------------------------------------------------------------------------

    def _payout(self, entry: Entry, recipient: str) -> GroupPayout:
        if entry.amount < self.config.group.min_payout_upokt:
            raise UnpayableError(BELOW_MINIMUM_PAYOUT)
        return GroupPayout(
            chain_id=self.config.chain_id,
            policy=self.vault,
            recipient=recipient,
            amount=entry.amount,
            denom=self.config.denom,
            title=release_title(self.kind, entry),
        )

    # -- prepare: find or make the proposal ------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        try:
            payout = self._payout(entry, self.sources.recipient(self.kind, entry))
        except RebuildMismatchError as mismatch:
            raise NotReadyError(f"source event not payable yet: {mismatch.reason}") from None
        self.check_recipient(payout.recipient)
        chosen = self._live_proposal(payout)
        if chosen is not None:
            order = payout.chosen(chosen).to_order()
            return Prepared(order=order, number=chosen.id)
        self._propose(entry, payout)
        raise NotReadyError("payout proposal sent; waiting for it on chain")

    def _live_proposal(self, payout: GroupPayout) -> Proposal | None:
        """The proposal every node picks for ``payout``: accepted first, then the lowest id."""
        now = self.chain.time()
        proposals = self.reader.proposals(self.vault)
        for impostor in (p for p in proposals if p.title == payout.title):
            wrong = payout.mismatch(impostor)
            if wrong is not None:  # a member key proposed something else under this title
                log.error(
                    "forged payout proposal", alert=True, proposal_id=impostor.id, reason=wrong
                )
        live = [
            p
            for p in proposals
            if payout.mismatch(p) is None
            and not p.expired(now)
            and (
                p.status is ProposalStatus.ACCEPTED
                or (p.status is ProposalStatus.SUBMITTED and now <= p.voting_period_end)
            )
        ]
        live.sort(key=lambda p: (p.status is not ProposalStatus.ACCEPTED, p.id))
        return live[0] if live else None

    def _propose(self, entry: Entry, payout: GroupPayout) -> None:
        """Record the intent on the entry, then submit (at most once per ``resend_after_s``)."""
        lease = f"group-proposal:{self.collection}:{entry.id}"
        with leases.held(self.db, lease, self.node_id, self.lease_ttl_s):
            current = self._read(entry, {"status": 1, "proposal_intent": 1})
            if current is None or current.get("status") != Status.CONFIRMED.value:
                raise NotReadyError("the entry is no longer confirmed")
            intent = current.get("proposal_intent")
            sent_at = intent.get("at_ms") if isinstance(intent, dict) else None
            resend_ms = self.config.group.resend_after_s * 1000
            if isinstance(sent_at, int) and _now_ms() - sent_at < resend_ms:
                return
            prepared = self.member.prepare([payout.submit_message(self.member.address)])
            recorded = {
                "title": payout.title,
                "to": payout.recipient,
                "amount": str(payout.amount),
                "tx_hash": prepared.signed.tx_hash,
                "node_id": self.node_id,
                "at_ms": _now_ms(),
            }
            try:
                unchanged = (
                    {"proposal_intent.at_ms": sent_at}
                    if isinstance(sent_at, int)
                    else {"proposal_intent": None}
                )
                result = self.db[self.collection].update_one(
                    {"_id": entry.id, "status": Status.CONFIRMED.value, **unchanged},
                    {"$set": {"proposal_intent": recorded}},
                )
            except PyMongoError as exc:
                raise DatabaseError(f"{self.collection}: recording intent failed: {exc}") from None
            if result.matched_count != 1:
                return
            try:
                tx_hash = self.member.broadcast(prepared)
            except MemberCannotPayError:
                # Not sent: let another node's member account propose it at once.
                self.db[self.collection].update_one(
                    {"_id": entry.id, "proposal_intent.at_ms": recorded["at_ms"]},
                    {"$set": {"proposal_intent": None}},
                )
                raise
            log.info("payout proposal sent", entry_id=str(entry.id), tx_hash=tx_hash)

    # -- rebuild and vote ------------------------------------------------------------------------

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        try:
            payout = self._payout(entry, self.sources.recipient(self.kind, entry))
            stored = GroupPayout.from_order(entry.order or {})
        except (ValidationError, UnpayableError) as exc:
            raise RebuildMismatchError(f"entry is not a valid group payout: {exc}") from None
        proposal = self.reader.proposal(stored.proposal_id)
        if proposal is None:  # not submitted, or already executed and pruned: not a refusal
            raise NotReadyError(f"proposal {stored.proposal_id} is not in state")
        wrong = payout.mismatch(proposal)
        if wrong is not None:
            log.error("wrong payout proposal", alert=True, entry_id=str(entry.id), reason=wrong)
            raise RebuildMismatchError(wrong)
        if proposal.status not in (ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED):
            raise RebuildMismatchError(f"proposal {proposal.id} is {proposal.status.value}")
        return payout.chosen(proposal).to_order()

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return payload_hash(order)

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        """Vote YES with exec TRY from this node's member account (once per proposal)."""
        payout = GroupPayout.from_order(order)
        proposal = self.reader.proposal(payout.proposal_id)
        signature = NO_VOTE_NEEDED
        if (
            proposal is not None
            and proposal.status is ProposalStatus.SUBMITTED
            and not self.reader.voted(payout.proposal_id, self.member.address)
        ):
            signature = self.member.send([payout.vote_message(self.member.address)])
            self._voted_at[payout.proposal_id] = time.monotonic()
            log.info("voted yes", proposal_id=payout.proposal_id, tx_hash=signature)
        return SignatureRecord(self.node_id, self.member.address, signature)

    def sign_again(self, entry: Entry) -> bool:
        """A vote the mempool took can still fail in its block (or be dropped): vote again when
        the chain shows the proposal open and no vote from this member a while after sending."""
        try:
            payout = GroupPayout.from_order(entry.order or {})
        except ValidationError:
            return False
        since = time.monotonic() - self._voted_at.get(payout.proposal_id, -1e18)
        if since < self.config.group.resend_after_s:
            return False
        proposal = self.reader.proposal(payout.proposal_id)
        if proposal is None or proposal.status is not ProposalStatus.SUBMITTED:
            return False
        if self.reader.voted(payout.proposal_id, self.member.address):
            self._voted_at[payout.proposal_id] = time.monotonic()
            return False
        log.warning("this node's vote is not on chain; voting again", proposal_id=proposal.id)
        return True

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        """The chain's YES weight for the proposal (the stored records are only hints)."""
        payout = GroupPayout.from_order(order)
        proposal = self.reader.proposal(payout.proposal_id)
        if proposal is None:
            executed = self.chain.executed(payout, None) is not None
            return self.config.threshold if executed else 0
        if proposal.status is ProposalStatus.ACCEPTED:
            return proposal.yes_final
        if proposal.status is ProposalStatus.SUBMITTED:
            return self.reader.yes_votes(payout.proposal_id)
        return 0

    # -- the chain's verdict ---------------------------------------------------------------------

    def gap_below(self, entry: Entry) -> Gap | None:
        return None  # proposals are independent: none waits behind another

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        verdict, _ = self.chain.verdict(GroupPayout.from_order(order), entry)
        return verdict if verdict.kind in (OutcomeKind.EXECUTED, OutcomeKind.DEAD) else None

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        payout = GroupPayout.from_order(order)
        verdict, proposal = self.chain.verdict(payout, entry)
        if verdict.kind is not OutcomeKind.PENDING:
            return verdict
        if proposal is None or proposal.status is not ProposalStatus.ACCEPTED:
            return Outcome(OutcomeKind.PENDING, entry.execution_tx_hash, verdict.detail, True)
        # Accepted, not executed: the last vote's TRY did not run it, or the run failed. Each
        # failure the chain reports doubles the wait before the next MsgExec.
        failures = self.reader.executions(payout.proposal_id, FAILURE)
        if failures:
            self.chain.alert_once(
                payout.proposal_id,
                "payout proposal fails to execute",
                entry_id=str(entry.id),
                logs=failures[-1].logs[:300],
            )
        wait_ms = min(
            self.config.group.resend_after_s * 1000 * 2 ** min(len(failures), 16),
            MAX_EXEC_BACKOFF_S * 1000,
        )
        sent_at = entry.document.get("execution_sent_at_ms")
        if isinstance(sent_at, int) and _now_ms() - sent_at < wait_ms:
            return Outcome(OutcomeKind.PENDING, entry.execution_tx_hash, "exec sent", True)
        detail = f"accepted, {len(failures)} failed execs"
        previous = entry.execution_tx_hash
        return Outcome(OutcomeKind.NOT_SUBMITTED, previous, detail, next_in_line=True)

    def proven_dead(self, retired: RetiredOrder) -> bool:
        try:
            payout = GroupPayout.from_order(retired.order)
        except ValidationError:
            return False
        verdict, _ = self.chain.verdict(payout, None)
        return verdict.kind is OutcomeKind.DEAD

    # -- execution -------------------------------------------------------------------------------

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        payout = GroupPayout.from_order(order)
        balance = self.pokt.balance(self.vault, payout.denom)
        if balance < payout.amount:
            log.error(
                "vault balance too low for a payout",
                alert=True,
                entry_id=str(entry.id),
                balance=str(balance),
                needed=str(payout.amount),
            )
            raise NotReadyError("the vault cannot pay this proposal now")
        prepared = self.member.prepare([exec_message(payout.proposal_id, self.member.address)])
        encoded = base64.b64encode(prepared.signed.tx_bytes).decode("ascii")
        fields = {"execution_tx_bytes": encoded, "execution_sent_at_ms": _now_ms()}
        if not record(prepared.signed.tx_hash, fields):
            return None
        try:
            self.member.broadcast(prepared)
        except WpoktError as exc:
            log.warning("exec broadcast failed", entry_id=str(entry.id), error=str(exc))
        return prepared.signed.tx_hash

    def rebroadcast(self, entry: Entry, record: RecordExecution) -> str:
        encoded = entry.document.get("execution_tx_bytes")
        if not isinstance(encoded, str):
            return "nothing_to_rebroadcast"
        try:
            self.pokt.broadcast(base64.b64decode(encoded, validate=True))
        except (ValueError, WpoktError) as exc:
            log.warning("exec rebroadcast failed", entry_id=str(entry.id), error=str(exc))
        return "rebroadcast"

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        proposal_id = (entry.order or {}).get("proposal_id")
        return (proposal_id if isinstance(proposal_id, int) else 2**63,)
