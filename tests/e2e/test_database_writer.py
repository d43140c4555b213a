"""An attacker with write access to the shared database, against a live 12-node devnet.

Each test forges, edits, duplicates or deletes what a node reads from MongoDB, then sends real
deposits and burns. Afterwards (the autouse fixture) the bridge must be quiescent: every real
deposit and burn paid (or refunded) exactly once within the bound, the attacker paid nothing,
the vault never below the wPOKT supply, and the invariants of the devnet hold over every entry
that stands for a real source event.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.e2e.helpers import (
    entry,
    every_entry_finished,
    fresh_eth_address,
    status_of,
    wait_executed,
    wait_for,
    wpokt_balance,
)
from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.cluster_config import ETH_CHAIN_ID
from wpokt_devnet.invariants import check_invariants
from wpokt_node.addresses import address_from_bytes
from wpokt_node.db.models import new_entry
from wpokt_node.db.reservations import MINT_NONCE, reservation_id
from wpokt_node.db.schema import BURNS, LEASES, MINTS, REFUNDS, RESERVATIONS, SOURCE_GONE, Status
from wpokt_node.pokt.client import PocketClient

pytestmark = [pytest.mark.adversarial, pytest.mark.slow, pytest.mark.timeout(900)]

Document = dict[str, Any]
BOUND_S = 150  # every real deposit and burn is paid within this, whatever the attacker wrote


class Attacker:
    """What the attacker wrote, and where it wants to be paid."""

    def __init__(self, db: Database[Document], forged: set[ObjectId]) -> None:
        self.db = db
        self.eth = fresh_eth_address()
        self.pokt = address_from_bytes(secrets.token_bytes(20))
        self.forged = forged  # shared with the e2e checks, which leave these out

    def forge(self, collection: str, document: Document) -> ObjectId:
        self.db[collection].insert_one(document)
        self.forged.add(document["_id"])
        return ObjectId(document["_id"])


@pytest.fixture(scope="module")
def attacker(db: Database[Document], forged_entries: set[ObjectId]) -> Attacker:
    return Attacker(db, forged_entries)


@pytest.fixture(scope="module", autouse=True)
def eth_user_holds_wpokt(devnet: Devnet, db: Database[Document]) -> None:
    """The devnet's Ethereum user gets the wPOKT the tests burn, by a real deposit."""
    tx = deposit(devnet, 40_000_000, str(devnet.state["eth_user"]))
    wait_executed(db, MINTS, tx, BOUND_S)


@pytest.fixture(autouse=True)
def the_bridge_recovers(
    devnet: Devnet, db: Database[Document], attacker: Attacker
) -> Iterator[None]:
    yield
    wait_for("every entry to finish", every_entry_finished(db), 240)
    view = snapshot(devnet)
    report = check_invariants(
        db,
        wpokt_supply=view.wpokt_supply,
        vault_balance=view.vault_balance,
        forged=attacker.forged,
    )
    assert report.ok, report.problems
    assert view.vault_balance >= view.wpokt_supply
    assert wpokt_balance(devnet, attacker.eth) == 0
    assert PocketClient(devnet.pokt_url).balance(attacker.pokt) == 0
    failed = [
        d for c in (MINTS, BURNS, REFUNDS) for d in db[c].find({"status": Status.FAILED.value})
    ]
    assert {d["_id"] for d in failed} <= attacker.forged, [d.get("error") for d in failed]


def _pokt_tx() -> str:
    return secrets.token_hex(32).upper()


def _eth_tx() -> str:
    return "0x" + secrets.token_hex(32)


def _forged(status: Status, **fields: Any) -> Document:
    document = new_entry(**fields)
    document["status"] = status.value
    return document


def _has_status(
    db: Database[Document], collection: str, tx: str, status: str
) -> Callable[[], bool]:
    return lambda: status_of(db, collection, tx) == status


def _paid_by_other_than(
    db: Database[Document], collection: str, tx: str, made_up: str
) -> Callable[[], bool]:
    def paid() -> bool:
        found = entry(db, collection, tx) or {}
        executed = found.get("status") == Status.EXECUTED.value
        return executed and found.get("execution_tx_hash") not in (None, made_up)

    return paid


def test_forged_entries_pay_nothing_and_hold_up_no_real_payout(
    devnet: Devnet, db: Database[Document], attacker: Attacker
) -> None:
    # Given a forged mint holding the next nonce of a real recipient (with its reservation),
    # a forged confirmed mint, burn and refund, all for source events that do not exist
    recipient = fresh_eth_address()
    vault = str(devnet.state["vault"])
    held = _forged(Status.STARTED, transaction_hash=_pokt_tx(), height=2, from_address=vault,
                   to_address=recipient, amount=50_000_000, memo="", nonce=1)  # fmt: skip
    controller = devnet.state["controller"]
    held["order"] = {"recipient": recipient, "amount": "50000000", "nonce": 1,
                     "chain_id": ETH_CHAIN_ID, "controller": controller}  # fmt: skip
    held_id = attacker.forge(MINTS, held)
    db[RESERVATIONS].insert_one({
        "_id": reservation_id(MINT_NONCE, recipient, 1), "kind": MINT_NONCE, "scope": recipient,
        "number": 1, "collection": MINTS, "entry_id": held_id,
    })  # fmt: skip
    attacker.forge(MINTS, _forged(Status.CONFIRMED, transaction_hash=_pokt_tx(), height=2,
                   from_address=vault, to_address=attacker.eth, amount=9_000_000, memo="",
                   nonce=None))  # fmt: skip
    attacker.forge(BURNS, _forged(Status.CONFIRMED, transaction_hash=_eth_tx(), height=2,
                   from_address=attacker.eth, to_address=attacker.pokt, amount=9_000_000,
                   memo=None, burn_index=0, log_index=0, block_hash=_eth_tx(),
                   sequence=None))  # fmt: skip
    attacker.forge(REFUNDS, _forged(Status.CONFIRMED, transaction_hash=_pokt_tx(), height=2,
                   from_address=attacker.pokt, to_address=attacker.pokt, amount=9_000_000,
                   memo="", reason="memo_not_json", sequence=None))  # fmt: skip

    # When the recipient's real deposit and a real burn follow
    pokt_user = str(devnet.state["pokt_user"])
    mint_tx = deposit(devnet, 2_000_000, recipient)
    burn_tx = burn(devnet, 1_000_000, pokt_user).lower()

    # Then both are paid within the bound; the forged ones fail as sources that do not exist
    minted = wait_executed(db, MINTS, mint_tx, BOUND_S)
    wait_executed(db, BURNS, burn_tx, BOUND_S)
    assert (minted["nonce"], wpokt_balance(devnet, recipient)) == (1, 2_000_000)
    wait_for("the forged entries to fail", every_entry_finished(db), BOUND_S)
    for collection in (MINTS, BURNS, REFUNDS):
        for forged in db[collection].find({"_id": {"$in": list(attacker.forged)}}):
            assert forged["status"] == Status.FAILED.value
            assert str(forged["error"]).startswith(SOURCE_GONE)


def test_deleted_or_falsely_executed_entries_are_recovered_and_paid_once(
    devnet: Devnet, db: Database[Document]
) -> None:
    # Given two deposits and two burns held mid-flight with four nodes down (so none can be paid
    # before the attacker acts): one deposit's and one burn's entries deleted, the other two
    # marked executed with made-up payout txs
    recipient, claimed_recipient = fresh_eth_address(), fresh_eth_address()
    pokt_user = str(devnet.state["pokt_user"])
    victims = ["node-03", "node-06", "node-09", "node-12"]
    for node_id in victims:
        devnet.kill_node(node_id)
    before = snapshot(devnet)
    mint_tx = deposit(devnet, 3_000_000, recipient)
    burn_tx = burn(devnet, 2_000_000, pokt_user).lower()
    claimed_mint_tx = deposit(devnet, 2_500_000, claimed_recipient)
    claimed_burn_tx = burn(devnet, 1_000_000, pokt_user).lower()
    for collection, tx in ((MINTS, mint_tx), (BURNS, burn_tx), (MINTS, claimed_mint_tx),
                           (BURNS, claimed_burn_tx)):  # fmt: skip
        wait_for(f"{tx} to be started", _has_status(db, collection, tx, "started"), 120)
    db[MINTS].delete_one({"transaction_hash": mint_tx})
    db[BURNS].delete_one({"transaction_hash": burn_tx})
    made_up = {MINTS: _eth_tx(), BURNS: _pokt_tx()}
    for collection, tx in ((MINTS, claimed_mint_tx), (BURNS, claimed_burn_tx)):
        db[collection].update_one(
            {"transaction_hash": tx},
            {"$set": {"status": "executed", "execution_tx_hash": made_up[collection]}},
        )

    # When the nodes come back
    for node_id in victims:
        devnet.start_node(node_id)

    # Then each is recorded again or re-opened from the chain, and paid exactly once
    wait_executed(db, MINTS, mint_tx, BOUND_S)
    wait_executed(db, BURNS, burn_tx, BOUND_S)
    for collection, tx in ((MINTS, claimed_mint_tx), (BURNS, claimed_burn_tx)):
        paid = _paid_by_other_than(db, collection, tx, made_up[collection])
        wait_for(f"{tx} paid for real", paid, BOUND_S)
    after = snapshot(devnet)
    assert wpokt_balance(devnet, recipient) == 3_000_000
    assert wpokt_balance(devnet, claimed_recipient) == 2_500_000
    paid_in, paid_out = 3_000_000 + 2_500_000, 2_000_000 + 1_000_000
    assert after.pokt_user_balance == before.pokt_user_balance - paid_in + paid_out
    assert len(list(db[MINTS].find({"transaction_hash": mint_tx}))) == 1


def test_copies_under_other_spellings_pay_nothing_twice(
    devnet: Devnet, db: Database[Document], attacker: Attacker
) -> None:
    # Given a burn and a deposit already paid
    recipient = fresh_eth_address()
    pokt_user = str(devnet.state["pokt_user"])
    mint_tx = deposit(devnet, 4_000_000, recipient)
    burn_tx = burn(devnet, 1_500_000, pokt_user).lower()
    paid_burn = wait_executed(db, BURNS, burn_tx, BOUND_S)
    paid_mint = wait_executed(db, MINTS, mint_tx, BOUND_S)
    before = snapshot(devnet)

    # When copies of both are inserted as new entries, their tx hashes spelled differently
    for collection, paid, spelling in (
        (BURNS, paid_burn, "0x" + burn_tx[2:].upper()),
        (MINTS, paid_mint, mint_tx.lower()),
    ):
        copy = {k: v for k, v in paid.items() if k not in ("_id", "transitions")}
        copy.update(_id=ObjectId(), transaction_hash=spelling, status="detected", signers=[],
                    signatures=[], audit_seq=0, execution_tx_hash=None, order=None)  # fmt: skip
        attacker.forge(collection, copy)

    # Then the copies fail and nobody is paid again
    wait_for("the copies to fail", every_entry_finished(db), BOUND_S)
    after = snapshot(devnet)
    assert (after.pokt_user_balance, wpokt_balance(devnet, recipient)) == (
        before.pokt_user_balance,
        4_000_000,
    )


def test_leases_deleted_every_half_second_change_no_payout(
    devnet: Devnet, db: Database[Document]
) -> None:
    # Given an attacker deleting every lease twice a second
    stop = threading.Event()

    def delete_leases() -> None:
        while not stop.wait(0.5):
            db[LEASES].delete_many({})

    thief = threading.Thread(target=delete_leases, daemon=True)
    thief.start()
    try:
        # When three deposits to one recipient and a burn go through
        recipient = fresh_eth_address()
        before = snapshot(devnet)
        txs = [deposit(devnet, 1_000_000 + i, recipient) for i in range(3)]
        burn_tx = burn(devnet, 1_000_000, str(devnet.state["pokt_user"])).lower()

        # Then each is paid once, the mints at consecutive nonces
        mints = [wait_executed(db, MINTS, tx, BOUND_S) for tx in txs]
        wait_executed(db, BURNS, burn_tx, BOUND_S)
    finally:
        stop.set()
        thief.join()
    assert sorted(int(m["nonce"]) for m in mints) == [1, 2, 3]
    assert wpokt_balance(devnet, recipient) == 3_000_003
    assert snapshot(devnet).pokt_user_balance == before.pokt_user_balance - 3_000_003 + 1_000_000


def test_forged_reservations_move_no_nonce_ahead(devnet: Devnet, db: Database[Document]) -> None:
    # Given reservations of a recipient's first three nonces by entries that do not exist
    recipient = fresh_eth_address()
    for nonce in (1, 2, 3):
        db[RESERVATIONS].insert_one({
            "_id": reservation_id(MINT_NONCE, recipient, nonce), "kind": MINT_NONCE,
            "scope": recipient, "number": nonce, "collection": MINTS, "entry_id": ObjectId(),
        })  # fmt: skip

    # When the recipient's real deposit follows
    tx = deposit(devnet, 5_000_000, recipient)

    # Then it takes nonce 1 and is paid
    minted = wait_executed(db, MINTS, tx, BOUND_S)
    assert minted["nonce"] == 1
    assert wpokt_balance(devnet, recipient) == 5_000_000
