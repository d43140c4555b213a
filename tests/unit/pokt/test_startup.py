"""Pocket startup checks: vault address, tx_sig_limit, membership, chain id, on-chain key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.pokt.scripted_http import ScriptedServer
from wpokt_node.config import Settings, parse_settings
from wpokt_node.errors import StartupCheckError
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.multisig import MULTISIG_PUBKEY_TYPE_URL, MultisigPubKey
from wpokt_node.pokt.responses import Account, AccountPubKey, AuthParams
from wpokt_node.pokt.startup import (
    check_chain_id,
    check_member,
    check_tx_sig_limit,
    check_vault_account,
    check_vault_address,
    run_pocket_startup_checks,
    vault_multisig,
)

pytestmark = pytest.mark.pokt

SIGNERS = [LocalKeySigner(bytes([i + 1]) * 32) for i in range(12)]
KEYS_HEX = [s.public_key.hex() for s in SIGNERS]
VAULT = MultisigPubKey.create(9, [s.public_key for s in SIGNERS])


def _settings(rest_url: str = "http://127.0.0.1:1", **pocket: Any) -> Settings:
    eth = "0x" + "11" * 20
    data: dict[str, Any] = {
        "node_id": "node-1",
        "mongodb": {"uri": "mongodb://127.0.0.1:1"},
        "ethereum": {
            "rpc_url": "http://127.0.0.1:2",
            "chain_id": 1,
            "token_address": eth,
            "mint_controller_address": eth,
            "validator_addresses": ["0x" + f"{i + 1:02x}" * 20 for i in range(12)],
        },
        "pocket": {
            "rest_url": rest_url,
            "vault_address": VAULT.address(),
            "member_public_keys": KEYS_HEX,
            **pocket,
        },
        "keys": {
            name: {"source": "env", "env_var": "X"}
            for name in ("eth_signer", "pokt_signer", "eth_gas")
        },
    }
    return parse_settings(data, environ={})


def test_vault_address_must_match_configured_keys() -> None:
    multisig = vault_multisig(KEYS_HEX, 9)
    check_vault_address(VAULT.address(), multisig)
    with pytest.raises(StartupCheckError, match="9-of-12 multisig"):
        check_vault_address(
            MultisigPubKey.create(8, [s.public_key for s in SIGNERS]).address(), multisig
        )


def test_tx_sig_limit_message() -> None:
    check_tx_sig_limit(AuthParams(tx_sig_limit=12, max_memo_characters=256), VAULT)
    with pytest.raises(StartupCheckError) as caught:
        check_tx_sig_limit(AuthParams(tx_sig_limit=7, max_memo_characters=256), VAULT)
    assert str(caught.value).startswith("vault has 12 keys but the chain's tx_sig_limit is 7: ")


def test_membership() -> None:
    assert check_member(SIGNERS[4].public_key, VAULT) == VAULT.index_of(SIGNERS[4].public_key)
    with pytest.raises(StartupCheckError, match=r"not one of pocket\.member_public_keys"):
        check_member(LocalKeySigner(b"\x42" * 32).public_key, VAULT)


def test_chain_id() -> None:
    check_chain_id("pocket", "pocket")
    with pytest.raises(StartupCheckError, match="'pocket-beta'"):
        check_chain_id("pocket-beta", "pocket")


def test_vault_account_key() -> None:
    check_vault_account(None, VAULT)
    check_vault_account(Account(VAULT.address(), 1, 0, None), VAULT)
    same = AccountPubKey(MULTISIG_PUBKEY_TYPE_URL, VAULT.public_keys, 9)
    check_vault_account(Account(VAULT.address(), 1, 5, same), VAULT)
    other = AccountPubKey(MULTISIG_PUBKEY_TYPE_URL, VAULT.public_keys, 8)
    with pytest.raises(StartupCheckError, match="not the configured 9-of-12"):
        check_vault_account(Account(VAULT.address(), 1, 5, other), VAULT)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


def test_run_all_checks_against_rest(server: ScriptedServer) -> None:
    server.on(
        "GET",
        "/cosmos/base/tendermint/v1beta1/blocks/latest",
        (200, {"block": {"header": {"chain_id": "pocket", "height": "10"}}}),
    )
    server.on(
        "GET",
        "/cosmos/auth/v1beta1/params",
        (200, {"params": {"tx_sig_limit": "7", "max_memo_characters": "256"}}),
        (200, {"params": {"tx_sig_limit": "12", "max_memo_characters": "256"}}),
    )
    server.on(
        "GET",
        f"/cosmos/auth/v1beta1/accounts/{VAULT.address()}",
        (404, {"code": 5, "message": "account not found"}),
    )
    settings = _settings(server.url)
    client = PocketClient(settings.pocket.rest_url, retries=1)
    with pytest.raises(StartupCheckError, match=r"tx_sig_limit is 7.*group vault"):
        run_pocket_startup_checks(client, settings, SIGNERS[0].public_key)
    assert run_pocket_startup_checks(client, settings, SIGNERS[0].public_key) == "multisig"
