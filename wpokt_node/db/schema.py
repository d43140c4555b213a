"""The shared database's contract: collection names, entry statuses, indexes and validators.

This is what every node and the frontend rely on (documented in ``docs/schema.md``). Change it
only additively: new optional fields, new statuses never, new indexes freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wpokt_node.errors import ValidationError

MINTS = "mints"
REFUNDS = "refunds"
BURNS = "burns"
NODES = "nodes"
LEASES = "leases"
AUDIT = "audit"
RESERVATIONS = "reservations"
CONTROL = "control"

ENTRY_COLLECTIONS: tuple[str, ...] = (MINTS, REFUNDS, BURNS)
ALL_COLLECTIONS: tuple[str, ...] = (
    MINTS,
    REFUNDS,
    BURNS,
    NODES,
    LEASES,
    AUDIT,
    RESERVATIONS,
    CONTROL,
)
# What the frontend may read (docs/schema.md); leases and reservations are internal.
PUBLIC_COLLECTIONS: tuple[str, ...] = (MINTS, REFUNDS, BURNS, NODES, AUDIT, CONTROL)
# the deployed frontend's collections, in a database of their own (``mongodb.frontend_database``)
FRONTEND_VIEW_COLLECTIONS: tuple[str, ...] = ("mints", "invalidMints", "burns", "healthchecks")


class Status(StrEnum):
    DETECTED = "detected"
    CONFIRMED = "confirmed"
    STARTED = "started"
    SIGNED = "signed"
    EXECUTED = "executed"
    FAILED = "failed"


TERMINAL: frozenset[Status] = frozenset({Status.EXECUTED, Status.FAILED})
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s not in TERMINAL)


class MintSource(StrEnum):
    """What a ``mints`` entry pays (its ``source``; absent on entries recorded before it
    existed: a deposit)."""

    DEPOSIT = "deposit"  # POKT deposited into the vault with a valid memo
    BURN_RETURN = "burn_return"  # a burn whose Pocket recipient can never be paid: minted back


# The ``error`` of an entry failed because the chain showed no such source event; only such an
# entry is revived (failed -> detected) when a re-scan finds the event after all.
SOURCE_GONE = "source gone: "
# The ``error`` of a copy of another entry (same source event): never revived.
DUPLICATE = "duplicate: "

_FORWARD: dict[Status, Status] = {
    Status.DETECTED: Status.CONFIRMED,
    Status.CONFIRMED: Status.STARTED,
    Status.STARTED: Status.SIGNED,
    Status.SIGNED: Status.EXECUTED,
}

# A payload the chain has proven can never execute (a release whose vault sequence was used by
# another tx) is prepared again: started/signed -> confirmed, with its signatures cleared.
REPREPARE_FROM: frozenset[Status] = frozenset({Status.STARTED, Status.SIGNED})

REOPEN_FROM_TERMINAL: Mapping[Status, frozenset[Status]] = {
    Status.FAILED: frozenset({Status.DETECTED}),
    Status.EXECUTED: frozenset({Status.SIGNED, Status.STARTED, Status.CONFIRMED}),
}

# The closed table of allowed status changes: one step forward, any non-terminal -> failed,
# re-prepare (started/signed -> confirmed), re-sign (signed -> started: the stored signatures
# no longer reach the threshold over the order, e.g. erased), repair (a non-terminal entry
# whose fields disagree with the chain keeps its status while they are restored: an audited
# self-transition), and
# revive (failed -> detected: a deposit or burn failed as absent that the chain shows after all;
# the database is not trusted, so its failure is not final), re-open (executed -> signed or
# started or confirmed: an entry claimed executed whose payout the chain does not show), and
# recognise (started -> executed: an entry recorded again after its payout, which the chain
# shows was made with the payload a node's journal holds for the event).
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    status: (
        REOPEN_FROM_TERMINAL.get(status, frozenset())
        if status in TERMINAL
        else frozenset({_FORWARD[status], Status.FAILED, status})
        | (frozenset({Status.CONFIRMED}) if status in REPREPARE_FROM else frozenset())
        | (frozenset({Status.STARTED}) if status is Status.SIGNED else frozenset())
        | (frozenset({Status.EXECUTED}) if status is Status.STARTED else frozenset())
    )
    for status in Status
}


def is_allowed(source: Status, target: Status) -> bool:
    return target in TRANSITIONS[source]


def check_transition(source: Status, target: Status) -> None:
    if not is_allowed(source, target):
        raise ValidationError(f"status change {source.value} -> {target.value} is not allowed")


@dataclass(frozen=True)
class IndexSpec:
    keys: tuple[tuple[str, int], ...]
    unique: bool = False

    @property
    def name(self) -> str:
        kind = "uniq" if self.unique else "idx"
        return kind + "_" + "_".join(field for field, _ in self.keys)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.keys)


def _asc(*fields: str, unique: bool = False) -> IndexSpec:
    return IndexSpec(keys=tuple((f, 1) for f in fields), unique=unique)


# The unique key of each collection (docs/schema.md); leases are keyed by ``_id``.
UNIQUE_KEYS: Mapping[str, tuple[str, ...]] = {
    # ``source_event`` tells a deposit (``pokt:<TX>``) from the return of each burn of an
    # Ethereum tx (``eth:<tx>:<burn index>``): two burns of one amount by one sender in one tx
    # are two returns. Every key field is written non-null: in a unique index nx-27017 never
    # counts two nulls (or missing fields) as a duplicate.
    MINTS: ("transaction_hash", "from_address", "amount", "source_event"),
    REFUNDS: ("transaction_hash",),
    # A burn's block-wide log index changes when a reorg re-includes its tx elsewhere; its
    # ordinal among the token's BurnAndBridge logs of the tx does not (eth/events.py).
    BURNS: ("transaction_hash", "burn_index"),
    NODES: ("node_id",),
    LEASES: ("_id",),
    AUDIT: ("entry_id", "seq"),
    RESERVATIONS: ("_id",),
    CONTROL: ("_id",),
}

_ENTRY_QUERY_INDEXES = (
    _asc("status", "created_at"),
    _asc("status", "height"),
)

INDEXES: Mapping[str, tuple[IndexSpec, ...]] = {
    MINTS: (
        _asc(*UNIQUE_KEYS[MINTS], unique=True),
        *_ENTRY_QUERY_INDEXES,
        _asc("to_address", "nonce"),
    ),
    REFUNDS: (
        _asc(*UNIQUE_KEYS[REFUNDS], unique=True),
        *_ENTRY_QUERY_INDEXES,
        _asc("sequence"),
    ),
    BURNS: (
        _asc(*UNIQUE_KEYS[BURNS], unique=True),
        *_ENTRY_QUERY_INDEXES,
        _asc("sequence"),
    ),
    NODES: (_asc(*UNIQUE_KEYS[NODES], unique=True),),
    LEASES: (),
    AUDIT: (
        _asc(*UNIQUE_KEYS[AUDIT], unique=True),
        _asc("at"),
    ),
    RESERVATIONS: (_asc("entry_id"),),
    CONTROL: (),
}

# Unique indexes of earlier versions that no longer hold; ``db init`` drops them.
RETIRED_INDEXES: Mapping[str, tuple[IndexSpec, ...]] = {
    MINTS: (_asc("transaction_hash", "from_address", "amount", unique=True),),
    BURNS: (_asc("transaction_hash", "log_index", unique=True),),
}

_INT = ["int", "long"]
_DIGITS = {"bsonType": "string", "pattern": "^[0-9]+$"}
_TEXT = {"bsonType": "string"}
_OPTIONAL_TEXT = {"bsonType": ["string", "null"]}
_STATUS = {"bsonType": "string", "enum": [s.value for s in Status]}

_SIGNATURE = {
    "bsonType": "object",
    "required": ["node_id", "signer", "signature"],
    "properties": {"node_id": _TEXT, "signer": _TEXT, "signature": _TEXT},
}

_TRANSITION_RECORD = {
    "bsonType": "object",
    "required": ["seq", "from", "to", "node_id", "at"],
    "properties": {
        "seq": {"bsonType": _INT},
        "from": _STATUS,
        "to": _STATUS,
        "node_id": _TEXT,
        "at": {"bsonType": "date"},
        "reason": _OPTIONAL_TEXT,
    },
}

_COIN = {
    "bsonType": "object",
    "required": ["denom", "amount"],
    "properties": {"denom": _TEXT, "amount": _DIGITS},
}

# refunds: who sent what into the vault in the deposit tx (the operator's input when the node
# does not pay it back), and how an operator resolved a failed one.
_PART = {
    "bsonType": "object",
    "required": ["address", "coins"],
    "properties": {"address": _TEXT, "coins": {"bsonType": "array", "items": _COIN}},
}
_RESOLUTION = {
    "bsonType": ["object", "null"],
    "required": ["by", "at", "note"],
    "properties": {
        "by": _TEXT,
        "at": {"bsonType": "date"},
        "note": _TEXT,
        "tx_hash": _OPTIONAL_TEXT,
        "proposal_id": {"bsonType": [*_INT, "null"], "minimum": 0},
    },
}

_ENTRY_REQUIRED = [
    "transaction_hash",
    "height",
    "from_address",
    "to_address",
    "amount",
    "status",
    "signers",
    "signatures",
    "created_at",
    "updated_at",
    "audit_seq",
]

_ENTRY_PROPERTIES: dict[str, Any] = {
    "transaction_hash": _TEXT,
    "height": {"bsonType": _INT, "minimum": 0},
    "confirmations": {"bsonType": _INT, "minimum": 0},
    "from_address": _TEXT,
    "to_address": _TEXT,
    "amount": _DIGITS,
    "memo": _OPTIONAL_TEXT,
    "status": _STATUS,
    "signers": {"bsonType": "array", "items": _TEXT},
    "signatures": {"bsonType": "array", "items": _SIGNATURE},
    "order": {"bsonType": ["object", "null"]},
    "execution_tx_hash": _OPTIONAL_TEXT,
    "created_at": {"bsonType": "date"},
    "updated_at": {"bsonType": "date"},
    "error": _OPTIONAL_TEXT,
    "audit_seq": {"bsonType": _INT, "minimum": 0},
    "transitions": {"bsonType": "array", "items": _TRANSITION_RECORD},
    "held": _OPTIONAL_TEXT,
    "held_detail": _OPTIONAL_TEXT,
    "started_at_ms": {"bsonType": [*_INT, "null"], "minimum": 0},
}


def _object(required: list[str], properties: Mapping[str, Any]) -> dict[str, Any]:
    # No ``additionalProperties: false``: the schema evolves additively.
    return {
        "$jsonSchema": {
            "bsonType": "object",
            "required": required,
            "properties": dict(properties),
        }
    }


VALIDATORS: Mapping[str, dict[str, Any]] = {
    MINTS: _object(
        [*_ENTRY_REQUIRED, "source_event"],
        {
            **_ENTRY_PROPERTIES,
            "nonce": {"bsonType": [*_INT, "null"], "minimum": 0},
            "source": {"bsonType": "string", "enum": [s.value for s in MintSource]},
            "source_event": _TEXT,
            # burn returns: the burn, and why its recipient can never be paid
            "burn_index": {"bsonType": _INT, "minimum": 0},
            "burn_recipient": _TEXT,
            "reason": _TEXT,
        },
    ),
    REFUNDS: _object(
        [*_ENTRY_REQUIRED, "reason"],
        {
            **_ENTRY_PROPERTIES,
            "reason": _TEXT,
            "sequence": {"bsonType": [*_INT, "null"], "minimum": 0},
            "parts": {"bsonType": "array", "items": _PART},
            "resolution": _RESOLUTION,
        },
    ),
    BURNS: _object(
        [*_ENTRY_REQUIRED, "burn_index", "log_index"],
        {
            **_ENTRY_PROPERTIES,
            "burn_index": {"bsonType": _INT, "minimum": 0},
            "log_index": {"bsonType": _INT, "minimum": 0},
            "block_hash": _TEXT,
            "sequence": {"bsonType": [*_INT, "null"], "minimum": 0},
        },
    ),
    NODES: _object(
        ["node_id"],
        {
            "node_id": _TEXT,
            "cursors": {"bsonType": "object"},
            "workers": {"bsonType": "object"},
            "updated_at": {"bsonType": "date"},
        },
    ),
    LEASES: _object(
        ["holder", "expires_at_ms"],
        {
            "_id": _TEXT,
            "holder": _TEXT,
            "expires_at_ms": {"bsonType": _INT},
            "generation": {"bsonType": _INT},
        },
    ),
    RESERVATIONS: _object(
        ["_id", "kind", "scope", "number", "collection", "entry_id"],
        {
            "_id": _TEXT,
            "kind": {"bsonType": "string", "enum": ["mint-nonce", "vault-sequence"]},
            "scope": _TEXT,
            "number": {"bsonType": _INT, "minimum": 0},
            "collection": {"bsonType": "string", "enum": list(ENTRY_COLLECTIONS)},
            "entry_id": {"bsonType": "objectId"},
        },
    ),
    CONTROL: _object(
        ["_id", "kind", "at_ms"],
        {
            "_id": _TEXT,
            "kind": {
                "bsonType": "string",
                "enum": [
                    "bridge_pause",
                    "bridge_pause_change",
                    "schema_version",
                    "operator_action",
                    "mint_filler",
                ],
            },
            # nx-27017 stores a boolean written by $set as 0/1
            "paused": {"bsonType": ["bool", *_INT]},
            "seq": {"bsonType": _INT, "minimum": 1},
            "at_ms": {"bsonType": _INT, "minimum": 0},
            "reason": _OPTIONAL_TEXT,
            "by": _OPTIONAL_TEXT,
            "version": {"bsonType": _INT, "minimum": 1},  # schema_version (db.schema_version)
            "min_reader": {"bsonType": _INT, "minimum": 1},
            "action": _TEXT,  # operator_action (db.operator_log)
            "target": _OPTIONAL_TEXT,
            "outcome": _OPTIONAL_TEXT,
            "dry_run": {"bsonType": ["bool", *_INT]},
            "recipient": _TEXT,  # mint_filler (mint.free_nonce)
            "nonce": {"bsonType": _INT, "minimum": 1},
            "signatures": {"bsonType": "object"},
            "execution_tx_hash": _TEXT,
        },
    ),
    AUDIT: _object(
        ["entry_id", "collection", "seq", "from", "to", "node_id", "at"],
        {
            "entry_id": {"bsonType": "objectId"},
            "collection": {"bsonType": "string", "enum": list(ENTRY_COLLECTIONS)},
            "seq": {"bsonType": _INT, "minimum": 1},
            "from": _STATUS,
            "to": _STATUS,
            "node_id": _TEXT,
            "at": {"bsonType": "date"},
            "reason": _OPTIONAL_TEXT,
        },
    ),
}


def entry_collection(name: str) -> str:
    if name not in ENTRY_COLLECTIONS:
        raise ValidationError(
            f"{name!r} is not an entry collection ({', '.join(ENTRY_COLLECTIONS)})"
        )
    return name
