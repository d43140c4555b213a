"""Vault-style multisig txs (LegacyAminoPubKey, amino JSON) against the simulator."""

from __future__ import annotations

import hashlib

import pytest
from cosmpy.aerial.client import LedgerClient, NetworkConfig
from cosmpy.crypto.address import Address

from tests.fixtures.pokt import PoktSimFactory, pokt_genesis
from tests.integration.devnet.pokt_multisig_builder import Vault, build_vault_send
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of

pytestmark = pytest.mark.pokt

VAULT_FUNDS = 50_000_000


def _members(count: int) -> list[LocalKeySigner]:
    return [
        LocalKeySigner(hashlib.sha256(f"vault member {i}".encode()).digest()) for i in range(count)
    ]


def _vault_sim(
    factory: PoktSimFactory, users: list[LocalKeySigner], vault: Vault, tx_sig_limit: int = 7
) -> PoktSimulator:
    genesis = pokt_genesis(users, auth_params={"tx_sig_limit": tx_sig_limit})
    genesis["accounts"].append({"address": vault.address, "balance": str(VAULT_FUNDS)})
    return factory(genesis)


def _release(
    sim: PoktSimulator, vault: Vault, signers: list[int], to: str, sequence: int = 0, **extra: int
) -> dict[str, object]:
    account = sim.state.account(vault.address)
    assert account is not None
    raw = build_vault_send(
        vault, signers, chain_id="pocket", account_number=account.account_number,
        sequence=sequence, to_address=to, amount=1_000, memo="refund:ABC", fee=10,
        tamper_member=extra.get("tamper"),
    )  # fmt: skip
    wallet = DevnetWallet(vault.members[0], sim.url)
    try:
        return wallet.broadcast(raw)
    finally:
        wallet.close()


def test_two_of_three_accepts_threshold_and_rejects_less(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    vault = Vault(2, _members(3))
    sim = _vault_sim(pokt_sim_factory, pokt_users, vault)
    user = pokt_address_of(pokt_users[0].public_key)
    one = _release(sim, vault, [1], user)
    assert one["code"] == 4
    assert "signature verification failed" in str(one["raw_log"])
    tampered = _release(sim, vault, [0, 2], user, tamper=2)
    assert tampered["code"] == 4
    accepted = _release(sim, vault, [0, 2], user)
    assert accepted["code"] == 0
    account = sim.state.account(vault.address)
    assert account is not None
    assert account.sequence == 1
    assert account.balance("upokt") == VAULT_FUNDS - 1_010
    assert _release(sim, vault, [0, 1, 2], user, sequence=0)["code"] == 32
    assert _release(sim, vault, [0, 1, 2], user, sequence=1)["code"] == 0


def test_multisig_account_is_readable_with_cosmpy_and_shows_the_legacy_amino_key(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    import cosmpy.protos.cosmos.crypto.multisig.keys_pb2  # noqa: F401  (registers the Any type)
    import requests

    vault = Vault(2, _members(3))
    sim = _vault_sim(pokt_sim_factory, pokt_users, vault)
    assert _release(sim, vault, [0, 1], pokt_address_of(pokt_users[0].public_key))["code"] == 0
    body = requests.get(f"{sim.url}/cosmos/auth/v1beta1/accounts/{vault.address}", timeout=5)
    pub_key = body.json()["account"]["pub_key"]
    assert pub_key["@type"] == "/cosmos.crypto.multisig.LegacyAminoPubKey"
    assert pub_key["threshold"] == 2
    assert len(pub_key["public_keys"]) == 3
    client = LedgerClient(
        NetworkConfig(
            chain_id="pocket", url=f"rest+{sim.url}", fee_minimum_gas_price=0,
            fee_denomination="upokt", staking_denomination="upokt",
        )
    )  # fmt: skip
    assert client.query_account(Address(vault.address)).sequence == 1


def test_nine_of_twelve_vault_needs_tx_sig_limit_of_twelve(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    vault = Vault(9, _members(12))
    user = pokt_address_of(pokt_users[1].public_key)
    limited = _vault_sim(pokt_sim_factory, pokt_users, vault, tx_sig_limit=7)
    refused = _release(limited, vault, list(range(9)), user)
    assert refused["code"] == 14
    assert "signatures: 12, limit: 7" in str(refused["raw_log"])

    raised = _vault_sim(pokt_sim_factory, pokt_users, vault, tx_sig_limit=12)
    assert _release(raised, vault, list(range(8)), user)["code"] == 4  # threshold - 1
    assert _release(raised, vault, [0, 1, 2, 3, 4, 5, 6, 7, 11], user, tamper=11)["code"] == 4
    accepted = _release(raised, vault, [0, 1, 2, 3, 4, 5, 6, 7, 11], user)
    assert accepted["code"] == 0
    assert raised.state.account(user) is not None
    recipient = raised.state.account(user)
    assert recipient is not None
    assert recipient.balance("upokt") == 1_000_000_000 + 1_000


def test_a_wrong_member_order_is_a_different_account(
    pokt_sim_factory: PoktSimFactory, pokt_users: list[LocalKeySigner]
) -> None:
    vault = Vault(2, _members(3))
    sim = _vault_sim(pokt_sim_factory, pokt_users, vault)
    reordered = Vault(2, list(reversed(vault.members)))
    object.__setattr__(reordered, "members", list(reversed(vault.members)))
    assert reordered.address != vault.address
    account = sim.state.account(vault.address)
    assert account is not None
    raw = build_vault_send(
        reordered, [0, 1], chain_id="pocket", account_number=account.account_number,
        sequence=0, to_address=vault.address, amount=1,
    )  # fmt: skip
    # The message sender is the reordered key's address, which holds no account.
    wallet = DevnetWallet(vault.members[0], sim.url)
    assert wallet.broadcast(raw)["code"] == 9
    wallet.close()
