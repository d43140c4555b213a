"""The database contract: status table, unique keys, validators, entry defaults."""

from __future__ import annotations

import itertools
import re

import pytest

from wpokt_node.db import schema
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import Status
from wpokt_node.errors import ValidationError

FORWARD = [
    (Status.DETECTED, Status.CONFIRMED),
    (Status.CONFIRMED, Status.STARTED),
    (Status.STARTED, Status.SIGNED),
    (Status.SIGNED, Status.EXECUTED),
]


def test_status_is_a_closed_set_of_six() -> None:
    assert [s.value for s in Status] == [
        "detected",
        "confirmed",
        "started",
        "signed",
        "executed",
        "failed",
    ]


def test_transition_table_is_forward_failed_reprepare_repair_revive_reopen_or_recognise() -> None:
    allowed = {(a, b) for a, b in itertools.product(Status, Status) if schema.is_allowed(a, b)}
    open_statuses = [s for s in Status if s not in (Status.EXECUTED, Status.FAILED)]
    to_failed = {(s, Status.FAILED) for s in open_statuses}
    reprepare = {(Status.STARTED, Status.CONFIRMED), (Status.SIGNED, Status.CONFIRMED)}
    repair = {(s, s) for s in open_statuses}
    revive = {(Status.FAILED, Status.DETECTED)}
    resign = {(Status.SIGNED, Status.STARTED)}
    reopen = {(Status.EXECUTED, s) for s in (Status.SIGNED, Status.STARTED, Status.CONFIRMED)}
    recognise = {(Status.STARTED, Status.EXECUTED)}
    steps = reprepare | repair | revive | resign | reopen | recognise
    assert allowed == set(FORWARD) | to_failed | steps
    assert Status.FAILED not in schema.TRANSITIONS[Status.EXECUTED]
    with pytest.raises(ValidationError, match="signed -> detected"):
        schema.check_transition(Status.SIGNED, Status.DETECTED)
    with pytest.raises(ValidationError, match="failed -> confirmed"):
        schema.check_transition(Status.FAILED, Status.CONFIRMED)


def test_unique_keys_are_those_of_the_design() -> None:
    uniques = {
        name: [spec.fields for spec in specs if spec.unique]
        for name, specs in schema.INDEXES.items()
    }
    assert uniques == {
        "mints": [("transaction_hash", "from_address", "amount", "source_event")],
        "refunds": [("transaction_hash",)],
        "burns": [("transaction_hash", "burn_index")],
        "nodes": [("node_id",)],
        "leases": [],  # keyed by _id
        "audit": [("entry_id", "seq")],
        "reservations": [],  # keyed by _id
        "control": [],  # keyed by _id
    }
    for name in schema.ENTRY_COLLECTIONS:
        assert ("status", "created_at") in [s.fields for s in schema.INDEXES[name]]
    # the burns' key before it became the burn index, the mints' before burns were returned:
    # db init drops them
    assert [(s.fields, s.unique) for s in schema.RETIRED_INDEXES["burns"]] == [
        (("transaction_hash", "log_index"), True)
    ]
    assert [(s.fields, s.unique) for s in schema.RETIRED_INDEXES["mints"]] == [
        (("transaction_hash", "from_address", "amount"), True)
    ]


def test_every_collection_has_a_validator_that_allows_extra_fields() -> None:
    assert set(schema.VALIDATORS) == set(schema.ALL_COLLECTIONS)
    for validator in schema.VALIDATORS.values():
        body = validator["$jsonSchema"]
        assert body["bsonType"] == "object"
        assert "additionalProperties" not in body


def test_entry_validators_pin_amount_status_and_required_fields() -> None:
    for name in schema.ENTRY_COLLECTIONS:
        body = schema.VALIDATORS[name]["$jsonSchema"]
        amount = body["properties"]["amount"]
        assert amount["bsonType"] == "string"
        pattern = re.compile(amount["pattern"])
        assert pattern.search("1000000")
        for bad in ("1.5", "-1", "", "1e6", " 1"):
            assert not pattern.search(bad), bad
        assert body["properties"]["status"]["enum"] == [s.value for s in Status]
        for field in ("transaction_hash", "amount", "status", "signers", "created_at"):
            assert field in body["required"]
    burns = schema.VALIDATORS["burns"]["$jsonSchema"]
    assert {"burn_index", "log_index"} <= set(burns["required"])
    assert burns["properties"]["burn_index"] == {"bsonType": ["int", "long"], "minimum": 0}
    assert "reason" in schema.VALIDATORS["refunds"]["$jsonSchema"]["required"]


def test_new_entry_has_every_documented_field() -> None:
    entry = new_entry(
        transaction_hash="ab" * 32,
        height=10,
        from_address="pokt1sender",
        to_address="0xrecipient",
        amount=2_500_000,
        nonce=None,
        source_event="pokt:" + "AB" * 32,
    )
    assert entry["amount"] == "2500000"
    assert entry["status"] == "detected"
    assert entry["signers"] == []
    assert entry["signatures"] == []
    assert entry["audit_seq"] == 0
    assert entry["created_at"].tzinfo is not None
    assert entry["created_at"].microsecond % 1000 == 0
    assert set(schema.VALIDATORS["mints"]["$jsonSchema"]["required"]) <= set(entry)
    with pytest.raises(ValidationError):
        new_entry(transaction_hash="x", height=1, from_address="a", to_address="b", amount=-1)


def test_entry_collection_rejects_other_names() -> None:
    with pytest.raises(ValidationError, match="not an entry collection"):
        schema.entry_collection("nodes")
