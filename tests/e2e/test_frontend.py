"""The deployed frontend's own queries against the live 12-node devnet's frontend view: a
deposit, a deposit with a bad memo, a burn, a mint the user submits themselves, and the
twelve health checks, every document valid against the schema written from the frontend's
types (tests/frontend_contract.py)."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from tests.e2e.helpers import (
    fresh_eth_address,
    status_of,
    wait_executed,
    wait_for,
    wpokt_balance,
)
from tests.frontend_contract import BURN, HEALTH, INVALID_MINT, MINT, FrontendQueries, problems
from wpokt_devnet.actions import burn, deposit
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.cluster_config import ETH_CHAIN_ID, frontend_database
from wpokt_node.db import leases
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

Document = dict[str, Any]
ONE_INTERVAL_S = 15.0  # a worker interval (1 s here) and a pass, with room for a busy box


@pytest.fixture(scope="module")
def frontend(devnet: Devnet, db: Database[Document]) -> FrontendQueries:
    view = db.client[frontend_database(devnet.database)]
    return FrontendQueries(view, str(devnet.state["token"]), str(devnet.state["vault"]))


def _shown(what: str, find: Any, status: str) -> Document:
    """Wait until ``find()`` returns a document in ``status``; it must match the schema."""
    found: list[Document] = []

    def shown() -> bool:
        document = find()
        found[:] = [document] if document and document["status"] == status else []
        return bool(found)

    wait_for(f"{what} to show {status}", shown, ONE_INTERVAL_S)
    return found[0]


def test_a_deposit_a_bad_memo_and_a_burn_show_in_the_frontends_shape(
    devnet: Devnet, db: Database[Document], frontend: FrontendQueries
) -> None:
    burner, pokt_user = str(devnet.state["eth_user"]), str(devnet.state["pokt_user"])
    wait_executed(db, MINTS, deposit(devnet, 2_000_000, burner))  # the wPOKT it burns
    recipient = fresh_eth_address()
    minted = wait_executed(db, MINTS, deposit(devnet, 4_000_000, recipient))
    refunded = wait_executed(db, REFUNDS, deposit(devnet, 3_000_000, recipient, memo="no json"))
    burned = wait_executed(db, BURNS, burn(devnet, 1_000_000, pokt_user).lower())

    mint = _shown("the mint", lambda: frontend.mint_from_pokt_tx(
        "0x" + minted["transaction_hash"]), "success")  # fmt: skip
    assert problems(MINT, mint) == []
    assert mint["mint_tx_hash"] == minted["execution_tx_hash"]
    assert frontend.mints_from_recipient(recipient) == [mint]
    assert frontend.active_mints(recipient) == []
    assert (mint["data"]["nonce"], mint["recipient_chain_id"]) == ("1", str(ETH_CHAIN_ID))

    invalid = _shown("the refund", lambda: frontend.invalid_mint_from_tx(
        "0x" + refunded["transaction_hash"].lower()), "success")  # fmt: skip
    assert problems(INVALID_MINT, invalid) == []
    assert invalid["return_transaction_hash"] == refunded["execution_tx_hash"]
    assert invalid in frontend.invalid_mints()

    shown_burn = _shown("the burn", lambda: frontend.burn_from_hash(
        burned["transaction_hash"]), "success")  # fmt: skip
    assert problems(BURN, shown_burn) == []
    assert shown_burn in frontend.burns_from(sender=burner, recipient=pokt_user)

    healths = frontend.healths()
    assert [h["validator_id"] for h in healths] == sorted(devnet.node_ids)
    assert [p for h in healths for p in problems(HEALTH, h)] == []
    assert all(h["healthy"] for h in healths), [h["service_healths"] for h in healths]


def test_a_user_completes_their_mint_from_what_the_frontend_shows(
    devnet: Devnet, db: Database[Document], frontend: FrontendQueries
) -> None:
    # Given a deposit signed while no node may submit (the executor lease held elsewhere)
    recipient = fresh_eth_address()
    wait_for(
        "the executor lease", lambda: leases.acquire(db, "mint-executor", "the-users-turn", 120), 60
    )
    try:
        tx = deposit(devnet, 5_000_000, recipient)
        # (the cluster's own signing takes several passes; the view then follows in one)
        wait_for("the mint signed", lambda: status_of(db, MINTS, tx) == "signed", 120)
        shown = _shown("the mint", lambda: frontend.mint_from_pokt_tx("0x" + tx.lower()),
                       "signed")  # fmt: skip
        assert problems(MINT, shown) == []
        assert frontend.active_mints(recipient) == [shown]

        # When the user's wallet calls mintWrappedPocket(data, signatures) as the view has them
        client = EthClient(devnet.eth_url)
        controller = ControllerContract(client, str(devnet.state["controller"]))
        data = shown["data"]
        call = controller.encode_mint(
            MintData(data["recipient"], int(data["amount"]), int(data["nonce"])),
            [bytes.fromhex(s.removeprefix("0x")) for s in shown["signatures"]],
        )
        user = TransactionSender(client, LocalKeySigner.from_hex(devnet.keys()["eth_user"]),
                                 ETH_CHAIN_ID)  # fmt: skip
        receipt = user.send(controller.address, call, 400_000, "the user's mint")
    finally:
        leases.release(db, "mint-executor", "the-users-turn")

    # Then the cluster records the user's tx, and the frontend shows success with it
    assert wait_executed(db, MINTS, tx)["execution_tx_hash"] == receipt.transaction_hash
    done = _shown("the mint", lambda: frontend.mint_from_pokt_tx("0x" + tx.lower()), "success")
    assert done["mint_tx_hash"] == receipt.transaction_hash
    assert wpokt_balance(devnet, recipient) > 0
