"""The custody interface: one shape for every signing back end and every kind of payout.

A back end re-checks an entry's source event on this node's own RPC, prepares the payload to
sign (fixing its nonce or sequence), rebuilds it independently from the chain and this node's
config, signs it, says which stored signatures are valid, executes it, and reads the outcome
back from the chain, including the proof that a payload can never execute. The payout state
machine (``wpokt_node.payout``) drives every entry with nothing but this interface, the signing
journal and the data layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from wpokt_node.db.models import Entry, RetiredOrder, SignatureRecord
from wpokt_node.errors import WpoktError
from wpokt_node.logs import get_logger

log = get_logger(__name__)


class RebuildMismatchError(WpoktError):
    """This node's own view of the chain does not produce the stored payload: do not sign."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnpayableError(WpoktError):
    """This back end can never pay the entry (e.g. its amount does not cover the fee)."""


class SourceState(StrEnum):
    FOUND = "found"  # the source event is on this node's chain view, as the entry says
    NOT_YET = "not_yet"  # not visible (yet): look again later
    GONE = "gone"  # gone for good, or not what the entry says: the entry fails


@dataclass(frozen=True, slots=True)
class SourceCheck:
    """What this node's RPC says about an entry's source event (deposit tx, burn log)."""

    state: SourceState
    confirmations: int = 0
    confirmed: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)  # recorded on the entry
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A payload fixed at ``started``: ``order`` is stored on the entry, ``number`` (its nonce,
    vault sequence or proposal id) under the back end's ``number_field``."""

    order: dict[str, Any]
    number: int


def repaired_from_chain(
    entry: Entry, differences: Mapping[str, tuple[object, object]], confirmations: int
) -> SourceCheck:
    """An entry whose source fields (name -> (stored, chain)) were edited in the database: the
    chain's values are written back, the edited ones kept under ``repaired``, with an alert;
    it is confirmed on a later pass, from the repaired entry."""
    log.error("entry repaired from the chain", alert=True, entry_id=str(entry.id), **{
        name: f"{stored!r} -> {seen!r}" for name, (stored, seen) in differences.items()
    })  # fmt: skip
    fields = {
        **{name: seen for name, (_, seen) in differences.items()},
        "repaired": {name: str(stored)[:120] for name, (stored, _) in differences.items()},
        "confirmations": confirmations,
    }
    return SourceCheck(SourceState.FOUND, confirmations, False, fields)


@dataclass(frozen=True, slots=True)
class Gap:
    """A number between the chain's next one and a started entry's own that no open entry this
    node can verify holds: the chain executes numbers in order, so the entry cannot execute
    before it. ``free``: no entry can use it any more, and an unsigned entry above it takes it."""

    number: int
    reason: str
    free: bool


class OutcomeKind(StrEnum):
    EXECUTED = "executed"  # on chain, succeeded, final
    PENDING = "pending"  # submitted, outcome not known yet: wait, or rebroadcast the same bytes
    NOT_SUBMITTED = "not_submitted"  # nothing on chain; the payload can still execute
    DEAD = "dead"  # the chain proves this payload can never execute: prepare a new one
    FAILED = "failed"  # on chain but failed, and cannot be retried safely


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    tx_hash: str | None = None
    detail: str = ""
    on_chain: bool = False  # PENDING: in a block, awaiting finality (no rebroadcast needed)
    next_in_line: bool = False  # NOT_SUBMITTED: its nonce/sequence is the chain's next one


RecordExecution = Callable[[str, Mapping[str, Any]], bool]
"""Store the execution tx hash (and what is needed to rebroadcast) on the entry *before*
broadcasting; returns False if the entry changed meanwhile (then do not broadcast)."""


class Custody(Protocol):
    """A signing back end for one kind of payout (mints, burn payouts, refunds)."""

    @property
    def number_field(self) -> str:
        """Where an entry keeps its payload's number: ``nonce`` (mints), ``sequence`` (multisig
        releases), ``proposal_id`` (group releases); signed entries are read in its order."""
        ...

    @property
    def payload_names_source(self) -> bool:
        """Whether the payload itself names its source event (a release's memo or proposal
        title), so the chain's payout can be matched to the entry without the journal; a
        MintData does not."""
        ...

    @property
    def execution_fields(self) -> tuple[str, ...]:
        """The entry fields the back end records besides ``order``, the number and
        ``execution_tx_hash``; cleared when a dead payload is prepared again."""
        ...

    def source_event(self, entry: Entry) -> str:
        """The source event's key in the signing journal (e.g. ``pokt:<TXHASH>``)."""
        ...

    def pays_source(self, entry: Entry, order: Mapping[str, Any]) -> bool:
        """Whether ``order`` pays what the entry's source event asks (recipient and amount, as
        this node's RPC shows the source), whatever its number. A release's outcome is matched
        to the entry's own event anyway; a MintData names no event, so this is checked."""
        ...

    def check_source(self, entry: Entry) -> SourceCheck:
        """Re-read the entry's source event from this node's own RPC."""
        ...

    def prepare(self, entry: Entry) -> Prepared:
        """Fix the payload of a ``confirmed`` entry (allocates its nonce/sequence). Raises
        UnpayableError if the entry can never be paid."""
        ...

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        """The order this node would sign for ``entry``, rebuilt from its own RPC and config;
        only the nonce/sequence is taken from the entry (and checked). Raises
        RebuildMismatchError."""
        ...

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        """What the signature commits to (hex); recorded in the signing journal."""
        ...

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord: ...

    def sign_wait(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        """Why this node must not sign ``order`` (its own rebuild, equal to the stored one)
        yet; None: it may. Asked before its signing journal records anything: a reason that
        passes must not leave a payload behind."""
        ...

    def sign_again(self, entry: Entry) -> bool:
        """For an entry this node has signed: whether its signature did not take effect on
        chain (a vote that failed in its block) and it must sign again."""
        ...

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        """How many distinct members approve ``order``: valid stored signatures by members of
        the signer set, or the chain's own tally where approvals are votes on chain."""
        ...

    def gap_below(self, entry: Entry) -> Gap | None:
        """For a started entry whose payouts execute in number order (mint nonces, multisig
        sequences): the first gap below its number; None if there is none, or if payouts are
        independent of each other (group proposals)."""
        ...

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        """For a ``started`` entry: the outcome if the chain has already used the payload's
        nonce/sequence (then signing is moot; FAILED: nothing can pay this payload any more,
        the entry fails), else None."""
        ...

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        """Submit the payout; returns the tx hash, or None if ``record`` refused."""
        ...

    def rebroadcast(self, entry: Entry, record: RecordExecution) -> str:
        """Send the recorded execution tx again, the same bytes; a back end whose chain prices
        inclusion may instead replace a stuck tx (same slot, higher fees), recording the
        replacement with ``record`` first. Returns what it did (``rebroadcast``, ...)."""
        ...

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        """What the chain says about the entry's payout, read from this node's own RPC."""
        ...

    def proven_dead(self, retired: RetiredOrder) -> bool:
        """Whether this node can prove on its own RPC that a retired order never executes."""
        ...

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        """Signed entries are handled in this order (the order the chain accepts them in)."""
        ...
