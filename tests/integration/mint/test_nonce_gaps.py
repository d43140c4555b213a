"""A mint above a lower nonce that an entry nobody can verify holds: it waits, takes the nonce
once that holder fails, and every node can still sign it, even a node that applies the signing
rule to what it read before the entry was prepared again (3 nodes, threshold 2)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.fixtures.anvil import CHAIN_ID
from tests.fixtures.mint_cluster import MintCluster, recipient_address
from wpokt_node.custody.base import Gap
from wpokt_node.custody.number_gaps import first_gap
from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.models import Entry, new_entry
from wpokt_node.db.reservations import MINT_NONCE, reservation_id
from wpokt_node.db.schema import MINTS, RESERVATIONS, Status
from wpokt_node.payout.signing import Signer, SignStep, sign_entry

pytestmark = pytest.mark.node

Document = dict[str, Any]
AMOUNT = 3_000_000
MISSING_TX_BLOCKS = 20  # pocket.missing_tx_blocks, the default


def _forge_holder(cluster: MintCluster, recipient: str, nonce: int) -> ObjectId:
    """A started mint for a deposit that does not exist, holding ``nonce`` of ``recipient``."""
    amount = 50_000_000
    forged = new_entry(transaction_hash=secrets.token_hex(32).upper(), height=2,
                       from_address=cluster.vault, to_address=recipient, amount=amount, memo="",
                       nonce=nonce)  # fmt: skip
    forged["status"] = Status.STARTED.value
    controller = cluster.deployment.controller
    forged["order"] = {"recipient": recipient, "amount": str(amount), "nonce": nonce,
                       "chain_id": CHAIN_ID, "controller": controller}  # fmt: skip
    forged_id = cluster.db[MINTS].insert_one(forged).inserted_id
    cluster.db[RESERVATIONS].insert_one({
        "_id": reservation_id(MINT_NONCE, recipient, nonce), "kind": MINT_NONCE,
        "scope": recipient, "number": nonce, "collection": MINTS, "entry_id": forged_id,
    })  # fmt: skip
    return ObjectId(forged_id)


def _run_until(cluster: MintCluster, node: int, done: Any, passes: int = 12) -> None:
    """Passes of ``node``, a Pocket block before each, until ``done()``."""
    for _ in range(passes):
        if done():
            return
        cluster.sim.state.produce_block()
        cluster.execute(node)
    assert done()


def test_a_node_signing_what_it_read_before_a_re_prepare_still_signs_the_new_nonce(
    mint_cluster: MintCluster,
) -> None:
    # Given a deposit whose mint took nonce 2 above a nonce 1 held by a forged entry
    tx_hash = mint_cluster.deposit(AMOUNT, recipient_address(30))
    mint_cluster.watch(0)
    recipient = str(mint_cluster.mint(tx_hash)["to_address"])
    forged_id = _forge_holder(mint_cluster, recipient, 1)
    _run_until(mint_cluster, 0, lambda: mint_cluster.mint(tx_hash)["status"] == "started")
    waiting = mint_cluster.mint(tx_hash)
    assert (waiting["nonce"], waiting["signers"]) == (2, [])  # nobody signs above the gap
    read_before = Entry.from_document(MINTS, waiting)

    # When the forged holder fails, node 0 prepares the mint again for the freed nonce 1, and
    # node 1 then applies the signing rule to the entry as it had read it before
    for _ in range(MISSING_TX_BLOCKS):  # the forged deposit stays unknown: proven absent
        mint_cluster.sim.state.produce_block()
    _run_until(mint_cluster, 0, lambda: mint_cluster.mint(tx_hash)["nonce"] == 1)
    assert (mint_cluster.db[MINTS].find_one({"_id": forged_id}) or {}).get("status") == "failed"
    node = mint_cluster.nodes[1]
    signer = Signer(mint_cluster.db, node.context.journal, node.node_id, threshold=2)
    step, _ = sign_entry(signer, node.custody, read_before)

    # Then it signs nothing for nonce 2 (its journal keeps no payload for the deposit), signs
    # nonce 1 on its next pass, and the deposit is minted once, at nonce 1
    assert step is SignStep.RACE_LOST
    event = node.custody.source_event(read_before)
    assert node.context.journal.live_payload(event) is None
    mint_cluster.execute(1, 2, 0, passes=2)
    minted = mint_cluster.mint(tx_hash)
    assert minted["status"] == "executed"
    assert minted["nonce"] == 1
    assert "node-1" in minted["signers"]
    assert mint_cluster.token.get_user_nonce(recipient) == 1
    assert mint_cluster.token.balance_of(recipient) == AMOUNT


def _held(db: Database[Document], recipient: str, nonce: int, entry_id: object,
          status: str = "started") -> None:  # fmt: skip
    if isinstance(entry_id, ObjectId):
        entry = new_entry(transaction_hash=f"{nonce:02X}" * 32, height=2, from_address="pokt1x",
                          to_address=recipient, amount=AMOUNT, memo="", nonce=nonce)  # fmt: skip
        entry.update(_id=entry_id, status=status, order={"nonce": nonce})
        db[MINTS].insert_one(entry)
    db[RESERVATIONS].insert_one({
        "_id": reservation_id(MINT_NONCE, recipient, nonce), "kind": MINT_NONCE,
        "scope": recipient, "number": nonce, "collection": MINTS, "entry_id": entry_id,
    })  # fmt: skip


def test_the_gap_check_reads_every_holder_at_once_and_a_forged_reservation_frees_its_nonce(
    mongo_db: Database[Document],
) -> None:
    # Given nonces 1-3 held by started mints, 4 by a reservation naming no entry (an operator
    # expression for an id), 5 by a failed mint
    recipient = recipient_address(31)
    for nonce in (1, 2, 3):
        _held(mongo_db, recipient, nonce, ObjectId())
    _held(mongo_db, recipient, 4, {"$ne": None})
    _held(mongo_db, recipient, 5, ObjectId(), status="failed")
    verified: list[int] = []

    def verify(holder: Entry) -> str | None:
        verified.append(int(holder.number or 0))
        return None

    def gap_below(number: int) -> Gap | None:
        return first_gap(mongo_db, kind=MINT_NONCE, scope=recipient, number_field="nonce",
                         chain_next=1, number=number, verify=verify)  # fmt: skip

    # When a mint at nonce 4 is checked: its holders below check out, in two reads
    before = COMMANDS.count
    assert gap_below(4) is None
    assert (verified, COMMANDS.count - before) == ([1, 2, 3], 2)
    # Then a mint at 6 finds 4 free (its reservation names no entry), then 5 free (failed)
    gap = gap_below(6)
    assert gap is not None
    assert (gap.number, gap.free) == (4, True)
    mongo_db[RESERVATIONS].delete_one({"_id": reservation_id(MINT_NONCE, recipient, 4)})
    _held(mongo_db, recipient, 4, ObjectId())
    gap = gap_below(6)
    assert gap is not None
    assert (gap.number, gap.free) == (5, True)
