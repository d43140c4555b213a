"""The Copper settings: chosen per chain, refused when incomplete, secrets only by reference."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.unit.test_config import example_data, problems_of
from wpokt_node.config import MintCustody, PocketCustody, parse_settings
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.node.context import role_watch

COPPER: dict[str, Any] = {
    "portfolio_id": "wpokt-vault",
    "api_key": {"env": "COPPER_API_KEY"},
    "api_secret": {"file": "/run/secrets/copper-api-secret"},
    "key_filename": "node-1.shard",
    "key_password": {"env": "COPPER_KEY_PASSWORD"},
    "eth_vault_address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
}


def test_given_copper_for_both_chains_when_parsed_then_each_chain_says_copper() -> None:
    data = example_data()
    data["pocket"]["custody"] = "copper"
    data["ethereum"]["custody"] = "copper"
    data["copper"] = COPPER
    settings = parse_settings(data, {})
    assert settings.pocket.custody is PocketCustody.COPPER
    assert settings.ethereum.custody is MintCustody.COPPER
    assert settings.copper is not None
    assert settings.copper.cuo_url == "http://127.0.0.1:3010"
    assert settings.uses_copper()


def test_given_no_copper_custody_then_no_copper_section_is_needed() -> None:
    settings = parse_settings(example_data(), {})
    assert settings.ethereum.custody is MintCustody.MULTISIG
    assert not settings.uses_copper()


@pytest.mark.parametrize("chain", ["pocket", "ethereum"])
def test_given_copper_custody_without_the_section_then_refused(chain: str) -> None:
    data = example_data()
    data[chain]["custody"] = "copper"
    assert any("'copper' section is missing" in p for p in problems_of(data))


def test_given_copper_mints_without_the_minter_address_then_refused() -> None:
    data = example_data()
    data["ethereum"]["custody"] = "copper"
    data["copper"] = {k: v for k, v in COPPER.items() if k != "eth_vault_address"}
    assert any("eth_vault_address" in p for p in problems_of(data))


@pytest.mark.parametrize(
    "source", [{}, {"env": "A", "file": "/x"}, {"value": "the secret itself"}, {"env": "1BAD"}]
)
def test_given_a_secret_not_given_by_exactly_one_reference_then_refused(
    source: dict[str, str],
) -> None:
    data = example_data()
    data["pocket"]["custody"] = "copper"
    data["copper"] = {**COPPER, "api_secret": source}
    problems = problems_of(data)
    assert any("api_secret" in p for p in problems)
    assert all("the secret itself" not in p for p in problems)


def test_given_copper_mints_then_the_role_watch_expects_the_copper_vault_as_the_only_minter() -> (
    None
):
    data = example_data()
    data["ethereum"]["custody"] = "copper"
    data["copper"] = COPPER
    settings = parse_settings(data, {})
    token = cast(TokenContract, SimpleNamespace(client=None))
    assert role_watch(settings, token).expected.controller == COPPER["eth_vault_address"]
    plain = parse_settings(example_data(), {})
    assert role_watch(plain, token).expected.controller == plain.ethereum.mint_controller_address
