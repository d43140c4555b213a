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
    rules = DepositRules(VAULT, eth_chain_id=1, max_deposit=8_000_000)
    found = list(client.search_transfers_to(VAULT, min_height=1, page_size=2))
    assert [r["txhash"] for r in found] == [mint_hash, refund_hash, cap_hash, dust_hash]
    verdicts = [classify_deposit(r, rules) for r in found]
    assert [(str(v.kind), v.reason) for v in verdicts] == [
        ("mint", None),
        ("refund", "memo_bad_address"),
        ("refund", "amount_over_cap"),
        ("refund", "memo_not_json"),  # dust too: recorded, its payout fails visibly
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


def test_authz_and_other_coin_deposits_are_found_and_none_is_only_logged(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    # Given users holding another coin as well, who deposit through authz MsgExec and in uother
    genesis = pokt_genesis(pokt_users)
    for account in genesis["accounts"]:
        account["balances"]["uother"] = "1000"
    sim = pokt_sim_factory(genesis)
    alice, bob = (DevnetWallet(user, sim.url) for user in pokt_users[:2])
    good = json.dumps({"address": ETH.lower(), "chain_id": "1"})
    minted = alice.send_through_authz(VAULT, 2_000_000, memo=good)
    refunded = bob.send_through_authz(VAULT, 3_000_000, memo="no memo")
    other = bob.send(VAULT, 7, memo=good, denom="uother")

    # When the vault's transfers are searched and classified as the pokt-watcher does
    client = PocketClient(sim.url, retries=2, backoff_s=0.01)
    rules = DepositRules(VAULT, eth_chain_id=1)
    found = list(client.search_transfers_to(VAULT, min_height=1))
    verdicts = [classify_deposit(r, rules) for r in found]

    # Then every one is an entry: the authz deposits are their granters' (mint, refund to bob),
    # the other coin a refund the node never pays, naming the coin
    assert [r["txhash"] for r in found] == [minted, refunded, other]
    assert [(str(v.kind), v.reason, v.sender) for v in verdicts] == [
        ("mint", None, alice.address),
        ("refund", "memo_not_json", bob.address),
        ("refund", "other_denoms", bob.address),
    ]
    assert verdicts[2].unpayable == f"other_denoms: {bob.address} sent 7uother"
    documents = [entry_document(v, VAULT) for v in verdicts]
    assert [d[1]["to_address"] for d in documents if d is not None] == [ETH, bob.address, VAULT]
    client.close()
    alice.close()
    bob.close()
