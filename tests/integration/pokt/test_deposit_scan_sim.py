"""Deposits made on the Pocket simulator, found by tx search and classified by the node's rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fixtures.pokt import POKT_USER_BALANCE, PoktSimFactory, pokt_genesis
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.mint.entries import entry_document
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposits import DepositKind, DepositRules, classify_deposit

pytestmark = pytest.mark.pokt

ETH = "0x00000000219ab540356cBB839Cbe05303d7705Fa"
VAULT = pokt_address_of(LocalKeySigner(b"\x5a" * 32).public_key)


@pytest.fixture
def sim(pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]) -> PoktSimulator:
    return pokt_sim_factory(pokt_genesis(pokt_users))


@pytest.fixture
def wallets(sim: PoktSimulator, pokt_users: list[LocalKeySigner]) -> Iterator[list[DevnetWallet]]:
    opened = [DevnetWallet(user, sim.url) for user in pokt_users]
    yield opened
    for wallet in opened:
        wallet.close()


def test_scan_classify_and_build_entries(sim: PoktSimulator, wallets: list[DevnetWallet]) -> None:
    alice, bob, carol, _ = wallets
    good = json.dumps({"address": ETH.lower(), "chain_id": "1"})
    mint_hash = alice.send(VAULT, 3_000_000, memo=good, fee=10)
    bob.send(carol.address, 1_000, fee=10)  # not to the vault: not in the search at all
    refund_hash = bob.send(VAULT, 4_000_000, memo='{"address":"0xnothex","chain_id":"1"}')
    cap_hash = carol.send(VAULT, 9_000_000, memo=good)
    dust_hash = carol.send(VAULT, 5, memo="oops")

    client = PocketClient(sim.url, retries=2, backoff_s=0.01)
    rules = DepositRules(VAULT, eth_chain_id=1, max_deposit=8_000_000, refund_fee=20_000)
    found = list(client.search_transfers_to(VAULT, min_height=1, page_size=2))
    assert [r["txhash"] for r in found] == [mint_hash, refund_hash, cap_hash, dust_hash]
    verdicts = [classify_deposit(r, rules) for r in found]
    assert [(str(v.kind), v.reason) for v in verdicts] == [
        ("mint", None),
        ("refund", "memo_bad_address"),
        ("refund", "amount_over_cap"),
        ("ignore", "below_refund_fee"),
    ]
    mint = verdicts[0]
    assert (mint.sender, mint.amount, mint.recipient) == (alice.address, 3_000_000, ETH)
    assert mint.height == int(found[0]["height"])
    collection, document = entry_document(mint, VAULT)  # type: ignore[misc]
    assert (collection, document["transaction_hash"], document["amount"]) == (
        "mints",
        mint_hash.upper(),
        "3000000",
    )
    collection, document = entry_document(verdicts[1], VAULT)  # type: ignore[misc]
    assert (collection, document["to_address"], document["reason"]) == (
        "refunds",
        bob.address,
        "memo_bad_address",
    )

    later = list(client.search_transfers_to(VAULT, min_height=int(found[2]["height"])))
    assert [r["txhash"] for r in later] == [cap_hash, dust_hash]
    fetched = client.tx(mint_hash)
    assert fetched is not None
    assert classify_deposit(fetched, rules).kind is DepositKind.MINT
    assert client.balance(VAULT) == 3_000_000 + 4_000_000 + 9_000_000 + 5
    assert client.balance(alice.address) == POKT_USER_BALANCE - 3_000_010
    client.close()
