"""The custody interface: one shape for every signing back end and every kind of payout.

A back end prepares the payload to sign (fixing its nonce or sequence), rebuilds it
independently from the chain and this node's config, signs it, says which stored
signatures are valid, executes it, and reads the outcome back from the chain. The
executors drive entries through their states with nothing but this interface, the
signing journal and the data layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from wpokt_node.errors import WpoktError

Entry = Mapping[str, Any]


class RebuildMismatchError(WpoktError):
    """This node's own view of the chain does not produce the stored payload: do not sign."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """One node's signature as stored on an entry (``signatures`` array)."""

    node_id: str
    signer: str
    signature: str

    def to_document(self) -> dict[str, str]:
        return {"node_id": self.node_id, "signer": self.signer, "signature": self.signature}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SignatureRecord:
        return cls(
            node_id=str(document.get("node_id", "")),
            signer=str(document.get("signer", "")),
            signature=str(document.get("signature", "")),
        )


@dataclass(frozen=True, slots=True)
class Prepared:
    """A payload fixed at ``started``: ``order`` is stored on the entry, ``number`` is its
    nonce (mints) or vault sequence (releases)."""

    order: dict[str, Any]
    number: int


class OutcomeKind(StrEnum):
    EXECUTED = "executed"  # on chain, succeeded (enough confirmations)
    PENDING = "pending"  # submitted, outcome not known yet: wait, or rebroadcast the same bytes
    NOT_SUBMITTED = "not_submitted"  # nothing on chain; the payload can still execute
    DEAD = "dead"  # the chain proves this payload can never execute
    FAILED = "failed"  # on chain but failed, and cannot be retried safely


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    tx_hash: str | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


RecordExecution = Callable[[str, Mapping[str, Any]], bool]
"""Store the execution tx hash (and what is needed to rebroadcast) on the entry *before*
broadcasting; returns False if the entry changed meanwhile (then do not broadcast)."""


class Custody(Protocol):
    """A signing back end for one kind of payout (mints, or vault releases)."""

    def source_event(self, entry: Entry) -> str:
        """The source event's key in the signing journal (e.g. ``pokt:<TXHASH>``)."""
        ...

    def prepare(self, entry: Entry) -> Prepared:
        """Fix the payload of a ``confirmed`` entry (allocates its nonce/sequence)."""
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

    def valid_signatures(
        self, order: Mapping[str, Any], records: Sequence[SignatureRecord]
    ) -> list[SignatureRecord]:
        """Distinct, valid signatures by members of the signer set, invalid ones dropped."""
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

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome: ...
