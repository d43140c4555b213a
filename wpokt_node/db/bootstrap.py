"""``db init``: create the collections, their indexes and validators; safe to run any number
of times, from any number of nodes at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import IndexModel
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure, PyMongoError

from wpokt_node import __version__
from wpokt_node.db.schema import (
    ALL_COLLECTIONS,
    BURNS,
    INDEXES,
    MINTS,
    RETIRED_INDEXES,
    VALIDATORS,
    IndexSpec,
)
from wpokt_node.db.schema_version import record_schema
from wpokt_node.db.upgrades import key_recorded_mints, number_recorded_burns
from wpokt_node.errors import DatabaseError

Document = dict[str, Any]

_NAMESPACE_EXISTS = 48
_INDEX_NOT_FOUND = 27


@dataclass
class InitReport:
    actions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def init_db(db: Database[Document]) -> list[str]:
    """Initialise ``db``; return warnings (e.g. the server does not support validators)."""
    return init_db_report(db).warnings


def init_db_report(db: Database[Document]) -> InitReport:
    report = InitReport()
    try:
        existing = set(db.list_collection_names())
        for name in ALL_COLLECTIONS:
            _ensure_collection(db, name, VALIDATORS[name], name in existing, report)
            if name == BURNS and (numbered := number_recorded_burns(db[name])):
                report.actions.append(f"gave {numbered} recorded burns their burn_index")
            if name == MINTS and (keyed := key_recorded_mints(db[name])):
                report.actions.append(f"gave {keyed} recorded mints their source_event")
            _ensure_indexes(db[name], INDEXES[name], report)
            _drop_retired(db[name], RETIRED_INDEXES.get(name, ()), report)
    except PyMongoError as exc:
        raise DatabaseError(f"database initialisation failed: {exc}") from None
    report.actions.append(record_schema(db, by=f"wpokt-node {__version__}"))
    return report


def ensure_indexes(db: Database[Document]) -> InitReport:
    """Only the indexes (for test doubles that cannot create collections with options)."""
    report = InitReport()
    for name in ALL_COLLECTIONS:
        _ensure_indexes(db[name], INDEXES[name], report)
    return report


def _ensure_collection(
    db: Database[Document],
    name: str,
    validator: Mapping[str, Any],
    exists: bool,
    report: InitReport,
) -> None:
    if not exists:
        try:
            db.create_collection(name, validator=dict(validator), validationLevel="strict")
            report.actions.append(f"created collection {name} with its validator")
        except CollectionInvalid:
            exists = True  # created by a concurrent init
        except OperationFailure as exc:
            if exc.code == _NAMESPACE_EXISTS:
                exists = True
            else:
                report.warnings.append(
                    f"{name}: the server rejected the $jsonSchema validator ({exc}); "
                    "created without it"
                )
                db.create_collection(name)
                report.actions.append(f"created collection {name} (no validator)")
                return
    if exists:
        try:
            db.command("collMod", name, validator=dict(validator), validationLevel="strict")
            report.actions.append(f"collection {name} exists; validator updated")
        except OperationFailure as exc:
            report.warnings.append(
                f"{name}: the server rejected the $jsonSchema validator ({exc}); "
                "documents are not validated server-side"
            )
            return
    if not _validator_reported(db, name):
        report.warnings.append(
            f"{name}: the server accepted the validator but does not report it "
            "(no server-side validation; e.g. nx-27017)"
        )


def _validator_reported(db: Database[Document], name: str) -> bool:
    for info in db.list_collections(filter={"name": name}):
        options = info.get("options") or {}
        return bool(options.get("validator"))
    return False


def _key_of(index: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    return tuple((str(k), int(v)) for k, v in dict(index["key"]).items())


def _drop_retired(
    collection: Collection[Document], specs: tuple[IndexSpec, ...], report: InitReport
) -> None:
    retired = {(spec.keys, spec.unique) for spec in specs}
    for index in list(collection.list_indexes()):
        if (_key_of(index), bool(index.get("unique"))) not in retired:
            continue
        try:
            collection.drop_index(str(index["name"]))
        except OperationFailure as exc:
            if exc.code == _INDEX_NOT_FOUND:
                continue  # dropped by a concurrent init
            raise
        report.actions.append(f"dropped retired index {index['name']} on {collection.name}")


def _ensure_indexes(
    collection: Collection[Document], specs: tuple[IndexSpec, ...], report: InitReport
) -> None:
    present = {_key_of(ix): bool(ix.get("unique")) for ix in collection.list_indexes()}
    missing: list[IndexSpec] = []
    for spec in specs:
        if spec.keys not in present:
            missing.append(spec)
        elif present[spec.keys] != spec.unique:
            raise DatabaseError(
                f"{collection.name}: an index on {spec.fields} exists with unique="
                f"{present[spec.keys]}, expected unique={spec.unique}; drop it and re-run db init"
            )
    if missing:
        collection.create_indexes(
            [IndexModel(list(s.keys), name=s.name, unique=s.unique) for s in missing]
        )
        report.actions.extend(f"created index {s.name} on {collection.name}" for s in missing)
    # Never trust the create call alone: the unique indexes are what makes inserts idempotent.
    present = {_key_of(ix): bool(ix.get("unique")) for ix in collection.list_indexes()}
    for spec in specs:
        if present.get(spec.keys) != spec.unique:
            raise DatabaseError(
                f"{collection.name}: index on {spec.fields} (unique={spec.unique}) is missing "
                "after creation"
            )
