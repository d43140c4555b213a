"""The chain's verdict on a group payout: executed (an indexed successful ``EventExec`` whose
proposal, as submitted, named the entry's own source event), dead (the chain holds the proposal
as rejected, aborted, withdrawn, or accepted past its execution window), or still pending.
Absence from state is never proof of death: a success may be missing from this node's index."""

from __future__ import annotations

import time
from datetime import datetime

from wpokt_node.custody.base import Outcome, OutcomeKind
from wpokt_node.custody.release_config import ReleaseConfig, ReleaseKind
from wpokt_node.custody.release_sources import release_title
from wpokt_node.db.models import Entry
from wpokt_node.errors import ChainError
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_payout import GroupPayout
from wpokt_node.pokt.group_reads import (
    FINAL_WITHOUT_PAYING,
    MAX_EXECUTION_PERIOD,
    SUCCESS,
    GroupReader,
    Proposal,
)

log = get_logger(__name__)

ALERT_EVERY_S = 600.0


class GroupChain:
    """Reads of the chain about one release kind's payout proposals."""

    def __init__(
        self, kind: ReleaseKind, config: ReleaseConfig, pokt: PocketClient, reader: GroupReader
    ) -> None:
        self.kind = kind
        self.config = config
        self.pokt = pokt
        self.reader = reader
        self._alerted: dict[int, float] = {}

    @property
    def vault(self) -> str:
        return self.config.vault

    def time(self) -> datetime:
        moment = self.pokt.latest_block().time
        if moment is None:
            raise ChainError("Pocket REST: the latest block has no time")
        return moment

    def executed(self, payout: GroupPayout, entry: Entry | None) -> str | None:
        """The tx that ran the proposal successfully; with ``entry``, only if the proposal, as
        submitted, named this entry's own source event (a database order pointing at another
        payout's proposal never makes an entry ``executed``)."""
        runs = self.reader.executions(payout.proposal_id, SUCCESS)
        if not runs:
            return None
        if entry is not None:
            submitted = self.reader.submitted(payout.proposal_id) or {}
            title = release_title(self.kind, entry)
            if submitted.get("title") != title or submitted.get("group_policy_address") != (
                self.vault
            ):
                self.alert_once(
                    payout.proposal_id,
                    "executed proposal is not this entry's payout",
                    entry_id=str(entry.id),
                    title=str(submitted.get("title"))[:120],
                )
                return None
        return runs[0].tx_hash

    def verdict(self, payout: GroupPayout, entry: Entry | None) -> tuple[Outcome, Proposal | None]:
        """EXECUTED or DEAD when the chain has decided; else PENDING (voting, or accepted and
        waiting for an exec), with the proposal as the chain holds it. A proposal missing from
        state is never taken for dead: its success may be missing from this node's tx index."""
        pid = payout.proposal_id
        proposal = self.reader.proposal(pid)
        executed = self.executed(payout, entry)
        if executed is not None:
            detail = f"proposal {pid} executed"
            return Outcome(OutcomeKind.EXECUTED, executed, detail, on_chain=True), None
        if proposal is None:
            if self.time() > payout.voting_ends + MAX_EXECUTION_PERIOD:
                self.alert_once(
                    pid,
                    "proposal gone from state without an indexed successful exec: check this "
                    "node's tx index (the payout is not proposed again on absence alone)",
                )
            return Outcome(OutcomeKind.PENDING, detail="no successful exec indexed yet"), None
        if proposal.status in FINAL_WITHOUT_PAYING:
            return Outcome(OutcomeKind.DEAD, detail=f"proposal {pid} {proposal.status.value}"), None
        if proposal.expired(self.time()):
            detail = f"proposal {pid}: execution window passed"
            return Outcome(OutcomeKind.DEAD, detail=detail), proposal
        return Outcome(OutcomeKind.PENDING, detail=proposal.status.value), proposal

    def alert_once(self, proposal_id: int, message: str, **fields: str) -> None:
        """An alert per proposal at most every ``ALERT_EVERY_S`` (they repeat every pass)."""
        now = time.monotonic()
        if now - self._alerted.get(proposal_id, -ALERT_EVERY_S) >= ALERT_EVERY_S:
            self._alerted[proposal_id] = now
            log.error(message, alert=True, proposal_id=proposal_id, **fields)
