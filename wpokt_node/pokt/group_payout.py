"""A payout from a group vault as data: the proposal the bridge votes for, stored as the entry's
``order``, and the exact check that a proposal on chain is that payout and nothing more.

A payout proposal carries exactly one ``MsgSend`` (vault -> recipient, one coin) and a title
naming its source event (``burn:<eth tx>:<log index>``, ``refund:<pokt tx>``), so a proposal
pays one source event and a source event is paid by one live proposal the nodes vote for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.amounts import amount_from_db
from wpokt_node.errors import ValidationError
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.group_msgs import payout_proposal, vote_yes
from wpokt_node.pokt.group_reads import Proposal
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL

BACKEND = "pokt-group"


@dataclass(frozen=True, slots=True)
class GroupPayout:
    """What a payout proposal must say; ``proposal_id`` is 0 until one is chosen."""

    chain_id: str
    policy: str
    recipient: str
    amount: int
    denom: str
    title: str
    proposal_id: int = 0
    voting_period_end: str = ""

    def expected_messages(self) -> list[dict[str, Any]]:
        """The proposal's messages as the REST gateway prints them."""
        return [
            {
                "@type": MSG_SEND_TYPE_URL,
                "from_address": self.policy,
                "to_address": self.recipient,
                "amount": [{"denom": self.denom, "amount": str(self.amount)}],
            }
        ]

    def mismatch(self, proposal: Proposal) -> str | None:
        """Why ``proposal`` is not exactly this payout (None when it is)."""
        if normalize_pokt_address(proposal.policy) != self.policy:
            return f"proposal {proposal.id} belongs to another group policy"
        if proposal.title != self.title:
            return f"proposal {proposal.id} is titled {proposal.title[:80]!r}, not {self.title!r}"
        if list(proposal.messages) != self.expected_messages():
            return f"proposal {proposal.id} does not carry exactly the expected MsgSend"
        return None

    def chosen(self, proposal: Proposal) -> GroupPayout:
        return GroupPayout(
            self.chain_id,
            self.policy,
            self.recipient,
            self.amount,
            self.denom,
            self.title,
            proposal.id,
            proposal.voting_period_end.isoformat(),
        )

    @property
    def voting_ends(self) -> datetime:
        return datetime.fromisoformat(self.voting_period_end)

    def submit_message(self, proposer: str) -> Any:
        return payout_proposal(
            self.policy,
            proposer,
            self.recipient,
            Coin(self.denom, self.amount),
            title=self.title,
            summary="wPOKT bridge payout",
        )

    def vote_message(self, voter: str) -> Any:
        return vote_yes(self.proposal_id, voter)

    def to_order(self) -> dict[str, Any]:
        """The stored ``order``: plain values only, so a MongoDB round trip compares equal."""
        return {
            "backend": BACKEND,
            "chain_id": self.chain_id,
            "policy": self.policy,
            "proposal_id": self.proposal_id,
            "to": self.recipient,
            "amount": str(self.amount),
            "denom": self.denom,
            "title": self.title,
            "voting_period_end": self.voting_period_end,
        }

    @classmethod
    def from_order(cls, order: Mapping[str, Any]) -> GroupPayout:
        """ValidationError if ``order`` is not a well-formed group payout."""
        try:
            if order["backend"] != BACKEND:
                raise ValidationError("not a group vault payout")
            proposal_id = order["proposal_id"]
            if isinstance(proposal_id, bool) or not isinstance(proposal_id, int):
                raise ValidationError("proposal_id is not an integer")
            payout = cls(
                chain_id=str(order["chain_id"]),
                policy=normalize_pokt_address(str(order["policy"])),
                recipient=normalize_pokt_address(str(order["to"])),
                amount=amount_from_db(order["amount"]),
                denom=str(order["denom"]),
                title=str(order["title"]),
                proposal_id=proposal_id,
                voting_period_end=str(order["voting_period_end"]),
            )
            payout.voting_ends  # noqa: B018 - parses, or raises ValueError
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"malformed group payout order: {exc}") from None
        if payout.proposal_id <= 0 or payout.amount <= 0:
            raise ValidationError("group payout order without a proposal or an amount")
        return payout


def payload_hash(order: Mapping[str, Any]) -> str:
    """What a node's YES vote commits to: the canonical JSON of the whole order."""
    GroupPayout.from_order(order)
    canonical = json.dumps(dict(order), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
