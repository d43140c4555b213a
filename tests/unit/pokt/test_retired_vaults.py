"""Deposits across the current vault and the retired vaults of a bridge that was taken over."""

from __future__ import annotations

from typing import Any

from tests.unit.pokt.test_deposits import (
    GOOD_MEMO,
    OTHER,
    SENDER,
    VAULT,
    _send,
    _tx,
    _verdict,
)
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.deposit_rules import classify_for_vaults
from wpokt_node.pokt.deposits import DepositRules, IgnoreReason, classify_deposit
from wpokt_node.pokt.memo import RefundReason

OLD = pokt_address_of(LocalKeySigner(b"\x09" * 32).public_key)
CURRENT = DepositRules(vault_address=VAULT, eth_chain_id=1, own_vaults=frozenset({OLD}))
RETIRED = DepositRules(vault_address=OLD, eth_chain_id=1, own_vaults=frozenset({VAULT}))
BOTH = (CURRENT, RETIRED)


def _to(vault: str, sender: str = SENDER, **fields: Any) -> dict[str, Any]:
    return _send(to_address=vault, from_address=sender, **fields)


def test_a_deposit_to_the_retired_vault_is_a_mint_against_that_vault() -> None:
    verdict, paid = classify_for_vaults(_tx(_to(OLD)), BOTH)
    assert _verdict(verdict) == ("mint", None)
    assert paid.vault_address == OLD
    assert verdict.sender == SENDER


def test_a_bad_memo_to_the_retired_vault_is_refunded_to_its_sender() -> None:
    verdict, paid = classify_for_vaults(_tx(_to(OLD), memo="not json"), BOTH)
    assert _verdict(verdict) == ("refund", str(RefundReason.MEMO_NOT_JSON))
    assert (paid.vault_address, verdict.refund_to(OLD)) == (OLD, SENDER)


def test_a_tx_paying_both_vaults_is_one_unpayable_refund_of_all_it_brought() -> None:
    verdict, paid = classify_for_vaults(_tx(_to(VAULT), _to(OLD, amount="2000000")), BOTH)
    assert _verdict(verdict) == ("unpayable", str(RefundReason.SEVERAL_VAULTS))
    assert paid.vault_address == VAULT  # recorded once, whichever vault's scan finds it
    assert verdict.amount == 7_000_000
    assert verdict.unpayable == (
        f"several_vaults: {SENDER} sent 5000000upokt; {SENDER} sent 2000000upokt"
    )


def test_the_sweep_from_the_retired_vault_is_no_deposit() -> None:
    sweep = _tx(_to(VAULT, sender=OLD), memo="wpokt migration: sweep to x")
    verdict, paid = classify_for_vaults(sweep, BOTH)
    assert _verdict(verdict) == ("ignore", str(IgnoreReason.VAULT_TRANSFER))
    assert paid.vault_address == VAULT


def test_a_users_deposit_is_never_taken_for_a_sweep() -> None:
    assert _verdict(classify_deposit(_tx(_to(VAULT, sender=OTHER)), CURRENT)) == ("mint", None)
    # without the retired vault configured, a send from it is an ordinary (refunded) deposit
    plain = DepositRules(vault_address=VAULT, eth_chain_id=1)
    sweep = _tx(_to(VAULT, sender=OLD), memo="wpokt migration: sweep to x")
    assert _verdict(classify_deposit(sweep, plain))[0] == "refund"


def test_two_sends_from_the_retired_vault_in_one_tx_stay_a_refund() -> None:
    twice = _tx(_to(VAULT, sender=OLD), _to(VAULT, sender=OLD), memo=GOOD_MEMO)
    assert _verdict(classify_deposit(twice, CURRENT)) == (
        "refund",
        str(RefundReason.MULTIPLE_TRANSFERS),
    )


def test_a_tx_paying_no_watched_vault_is_ignored_as_such() -> None:
    verdict, paid = classify_for_vaults(_tx(_to(OTHER)), BOTH)
    assert _verdict(verdict) == ("ignore", str(IgnoreReason.NO_VAULT_TRANSFER))
    assert paid.vault_address == VAULT
