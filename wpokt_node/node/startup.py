"""Startup checks: refuse to run, with one clear line, when the node's view of the
chains, the database or its own keys disagrees with its configuration."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node import __version__
from wpokt_node.config import MintCustody
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.client import CopperError
from wpokt_node.db.schema import ALL_COLLECTIONS, INDEXES
from wpokt_node.db.schema_version import check_schema
from wpokt_node.errors import StartupCheckError, WpoktError
from wpokt_node.eth.contracts import MINTER_ROLE
from wpokt_node.eth.startup import run_ethereum_startup_checks
from wpokt_node.keys.signer import eth_address_of
from wpokt_node.logs import get_logger
from wpokt_node.node.context import NodeContext
from wpokt_node.node.governance import rotation_states, validator_sets
from wpokt_node.payout.journal_evidence import missing_from, signed_by, signer_identities
from wpokt_node.pokt.startup import run_pocket_startup_checks

Document = dict[str, Any]
log = get_logger(__name__)
T = TypeVar("T")
UNKNOWN_PAYLOAD = "unknown:"  # a placeholder payload hash: no real payload hashes to it


def check_database(context: NodeContext) -> None:
    check_database_initialised(context.db)
    check_schema(context.db, __version__)


def check_database_initialised(db: Database[Document]) -> None:
    """MongoDB answers and ``wpokt-node db init`` has been applied (every unique index exists)."""
    try:
        for name in ALL_COLLECTIONS:
            wanted = {spec.keys for spec in INDEXES[name] if spec.unique}
            if not wanted:
                continue
            present = {
                tuple((field, int(direction)) for field, direction in info["key"].items())
                for info in db[name].list_indexes()
                if info.get("unique")
            }
            missing = wanted - present
            if missing:
                raise StartupCheckError(
                    f"database {db.name}: collection {name} lacks its unique index "
                    f"{sorted(missing)[0]}; run `wpokt-node db init --config FILE` first"
                )
    except PyMongoError as exc:
        raise StartupCheckError(f"database {db.name} is not usable: {exc}") from None


def check_own_keys(context: NodeContext) -> None:
    settings = context.settings
    own_validator = eth_address_of(context.public_keys.eth_signer)
    if own_validator not in settings.accepted_validators():
        raise StartupCheckError(
            f"this node's eth_signer address {own_validator} is not in ethereum.validator_addresses"
        )
    own_member = context.public_keys.pokt_signer.hex()
    if own_member not in settings.accepted_members():
        raise StartupCheckError(
            f"this node's pokt_signer public key {own_member} is not in pocket.member_public_keys"
        )


def check_journal(context: NodeContext) -> None:
    """Never sign from a journal that forgot what this node signed. An empty journal while the
    database shows this node's signatures is refused (the data volume did not attach, the
    journal was lost). A journal that only lacks some of those events (an older copy put back
    by hand) gets a placeholder for each, so this node signs nothing more for them, and an
    alert: refusing to start instead would let a database writer keep every node from
    restarting by forging records in its name."""
    journal = context.journal
    keys = (context.public_keys.eth_signer, context.public_keys.pokt_signer)
    signed = signed_by(context.db, signer_identities(*keys))
    known = journal.events()
    lacking = {event: entry for event, entry in signed.items() if event not in known}
    if not lacking:
        return
    if not journal.payload_count():
        raise StartupCheckError(
            f"the signing journal {context.settings.journal_path} is empty, but the database "
            f"shows this node's signatures for {', '.join(missing_from(known, signed))}: "
            "restore its latest copy (`wpokt-node journal import`, "
            "docs/runbooks/restore-journal.md) before this node signs again"
        )
    for event, entry in lacking.items():
        journal.authorize(event, f"{UNKNOWN_PAYLOAD}{entry}", "signed per the database; "
                          "not in this journal: this node signs nothing more for it")  # fmt: skip
    log.error("the signing journal lacked events the database shows this node signed: it "
              "will sign nothing more for them", alert=True,
              journal=str(context.settings.journal_path),
              events=missing_from(known, signed))  # fmt: skip


def check_ethereum(context: NodeContext) -> None:
    settings = context.settings
    if settings.ethereum.custody is MintCustody.COPPER:
        # Copper mints without the MintController: its validators sign nothing that counts.
        run_ethereum_startup_checks(context.eth, settings.ethereum)
        return
    any_state(
        lambda validators: run_ethereum_startup_checks(
            context.eth, settings.ethereum, validators=validators,
            threshold=settings.cluster.threshold,
        ),
        validator_sets(settings),
    )  # fmt: skip


def check_pocket(context: NodeContext) -> None:
    own = context.public_keys.pokt_signer
    any_state(
        lambda settings: run_pocket_startup_checks(context.pokt, settings, own),
        rotation_states(context.settings),
    )


def any_state(check: Callable[[T], object], states: list[T]) -> None:
    """Pass if ``check`` passes for one of ``states`` (a key rotation's); else raise the
    first state's error."""
    first: WpoktError | None = None
    for state in states:
        try:
            check(state)
        except WpoktError as exc:
            first = first or exc
        else:
            return
    if first is not None:
        raise first


def check_copper(context: NodeContext) -> None:
    """With Copper custody: the secrets load, the platform accepts this node's signed
    requests for the portfolio, its CUO answers, and (Copper mints) the Copper vault holds the
    token's MINTER_ROLE."""
    settings = context.settings
    if not settings.uses_copper() or settings.copper is None:
        return
    account = CopperAccount.from_settings(settings)
    try:
        account.client.find_order("wpokt-node-startup-check", account.portfolio_id)
        account.cuo.reachable()
    except CopperError as exc:
        raise StartupCheckError(f"Copper: {exc}") from None
    minter = settings.minter_address()
    copper_mints = settings.ethereum.custody is MintCustody.COPPER
    if copper_mints and not context.token.has_role(MINTER_ROLE, minter):
        raise StartupCheckError(
            f"copper.eth_vault_address {minter} does not hold the token's MINTER_ROLE"
        )


def check_webhooks(context: NodeContext) -> None:
    hooks = context.settings.webhooks
    if hooks.urls and not os.environ.get(hooks.secret_env or ""):
        raise StartupCheckError(
            f"webhooks.secret_env names {hooks.secret_env}, which is not set in the environment"
        )


CHECKS: tuple[tuple[str, Callable[[NodeContext], None]], ...] = (
    ("database", check_database),
    ("own keys", check_own_keys),
    ("journal", check_journal),
    ("ethereum", check_ethereum),
    ("pocket", check_pocket),
    ("copper", check_copper),
    ("webhooks", check_webhooks),
)


def run_startup_checks(context: NodeContext) -> list[str]:
    """Run every check; raise StartupCheckError listing each failure on its own line."""
    failures: list[str] = []
    passed: list[str] = []
    for name, check in CHECKS:
        try:
            check(context)
        except WpoktError as exc:
            failures.append(f"{name}: {exc}")
        else:
            passed.append(name)
    if failures:
        raise StartupCheckError("refusing to start:\n" + "\n".join(f"  - {f}" for f in failures))
    return passed
