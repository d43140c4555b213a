"""The migration's pure parts: the controller switch plan under the deployed contract's rules,
the sweep plan and signature files, and the books."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from wpokt_node.config import Settings, parse_settings
from wpokt_node.custody.base import RebuildMismatchError, SourceState
from wpokt_node.custody.source_window import SourceWindow, refuse_outside
from wpokt_node.eth.contracts import ValidatorState
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.migration.accounts import Books
from wpokt_node.migration.controller import switch_calls, switch_state
from wpokt_node.migration.sweep import (
    MigrationError,
    SweepPlan,
    SweepSignature,
    check_before_signing,
    sign_sweep,
    signed_above,
    sweep_memo,
)
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.release_spec import ReleaseSpec
from wpokt_node.pokt.responses import Account


def _addresses(tag: bytes, n: int) -> list[str]:
    return [
        eth_address_of(LocalKeySigner(hashlib.sha256(tag + bytes([i])).digest()).public_key)
        for i in range(n)
    ]


OLD, NEW = _addresses(b"old", 7), _addresses(b"new", 12)


class _Controller:
    """A MintController that answers what the deployed one does about its validators."""

    def __init__(self, members: list[str], threshold: int) -> None:
        self.members, self.threshold = set(members), threshold

    def validator_state(self, candidates: list[str]) -> ValidatorState:
        membership = {a: a in self.members for a in candidates}
        return ValidatorState(len(self.members), self.threshold, membership)

    def encode(self, function: str, *args: Any) -> bytes:
        return json.dumps([function, [str(a) for a in args]]).encode()

    def apply(self, function: str, args: tuple[Any, ...]) -> None:
        """The production rules (pokt-network/wpokt src/MintController.sol)."""
        count = len(self.members)
        if function == "addValidator":
            assert args[0] not in self.members
            self.members.add(args[0])
        elif function == "setSignerThreshold":
            assert count // 2 <= args[0] <= count
            self.threshold = args[0]
        else:
            assert function == "removeValidator"
            assert count - 1 >= self.threshold
            self.members.remove(args[0])


def test_the_switch_follows_the_deployed_rules_from_7_at_5_to_12_at_9() -> None:
    controller = _Controller(OLD, 5)
    calls = switch_calls(controller, switch_state(controller, NEW, OLD), 9, atomic=False)  # type: ignore[arg-type]
    assert [c.function for c in calls] == ["addValidator"] * 12 + ["setSignerThreshold"] + [
        "removeValidator"
    ] * 7
    for call in calls:
        controller.apply(call.function, call.args)
    assert (controller.members, controller.threshold) == (set(NEW), 9)
    with pytest.raises(MigrationError, match="nothing to do"):
        switch_calls(controller, switch_state(controller, NEW, OLD), 9, atomic=False)  # type: ignore[arg-type]


def test_a_half_done_switch_continues_where_it_stopped() -> None:
    controller = _Controller(OLD + NEW[:4], 5)
    calls = switch_calls(controller, switch_state(controller, NEW, OLD), 9, atomic=False)  # type: ignore[arg-type]
    assert [c.function for c in calls].count("addValidator") == 8


def test_an_unknown_validator_stops_the_switch() -> None:
    stranger = _addresses(b"stranger", 1)
    controller = _Controller(OLD + stranger, 5)
    with pytest.raises(MigrationError, match="1 validators in neither"):
        switch_calls(controller, switch_state(controller, NEW, OLD), 9, atomic=False)  # type: ignore[arg-type]


def test_the_projects_controller_switches_in_one_atomic_call() -> None:
    controller = _Controller(OLD, 5)
    calls = switch_calls(controller, switch_state(controller, NEW, OLD), 9, atomic=True)  # type: ignore[arg-type]
    assert [c.function for c in calls] == ["updateValidators"]
    assert calls[0].args == (NEW, OLD, 9)


def test_a_threshold_the_contract_refuses_is_refused_before_any_call() -> None:
    controller = _Controller(OLD, 5)
    with pytest.raises(MigrationError, match="outside what the contract allows"):
        switch_calls(controller, switch_state(controller, NEW, OLD), 20, atomic=False)  # type: ignore[arg-type]


OLD_KEYS = [LocalKeySigner(hashlib.sha256(b"old key %d" % i).digest()) for i in range(7)]
OLD_VAULT = MultisigPubKey.create(5, [k.public_key for k in OLD_KEYS])


GROUP_VAULT = "pokt1afk9zr2hn2jsac63h4hm60vl9z3e5u69gndzf7c99cqge3vzwjzscxnvwx"


def _plan() -> SweepPlan:
    spec = ReleaseSpec(
        chain_id="pocket", account_number=21, sequence=4, vault_address=OLD_VAULT.address(),
        recipient=GROUP_VAULT, amount=41_990_000, memo=sweep_memo(GROUP_VAULT),
        fee_amount=10_000, gas_limit=400_000,
    )  # fmt: skip
    return SweepPlan(spec, OLD_VAULT)


def test_a_plan_file_reads_back_and_refuses_a_swapped_multisig() -> None:
    plan = _plan()
    assert SweepPlan.from_json(plan.to_json()) == plan
    data = json.loads(plan.to_json())
    data["member_public_keys"][0] = LocalKeySigner(b"\x05" * 32).public_key.hex()
    with pytest.raises(MigrationError, match="not the vault it sends from"):
        SweepPlan.from_json(json.dumps(data))
    with pytest.raises(MigrationError, match="unreadable sweep plan"):
        SweepPlan.from_json('{"kind": "wpokt-retired-vault-sweep", "order": {}}')


def test_only_an_old_key_signs_and_its_file_names_the_plan() -> None:
    plan = _plan()
    signature = sign_sweep(plan, OLD_KEYS[2])
    again = SweepSignature.from_json(signature.to_json(), source="sig.json")
    assert again == signature
    assert again.sign_doc_sha256 == plan.digest
    with pytest.raises(MigrationError, match="not one of the old vault's keys"):
        sign_sweep(plan, LocalKeySigner(b"\x06" * 32))


def test_the_books_name_every_difference() -> None:
    balanced = Books(supply=32, vault=30, retired={"old": 0}, sweep_fees=2, kept=0)
    assert balanced.difference == 0
    assert balanced.problems() == []
    short = Books(supply=32, vault=29, retired={"old": 1}, sweep_fees=1, kept=0)
    assert short.difference == -1
    assert any("retired vault old still holds 1upokt" in p for p in short.problems())
    assert any("difference -1" in p for p in short.problems())
    open_entries = Books(supply=0, vault=0, retired={}, open_entries={"burns": 2})
    assert open_entries.problems() == ["2 burns entries still open"]


def test_a_journal_shows_the_old_vaults_payouts_that_would_survive_a_sweep(tmp_path: Path) -> None:
    plan = _plan()  # the sweep takes sequence 4
    vault = plan.spec.vault_address
    with SigningJournal(tmp_path / "j.sqlite3", node_id="node-3") as journal:
        journal.authorize("burn:a", "h3", "", {"from": vault, "sequence": 3})  # ran before
        journal.authorize("burn:b", "h4", "", {"from": vault, "sequence": 4})  # the sweep kills
        journal.authorize("mint:c", "hm", "", {"nonce": 9})
        assert signed_above(journal, plan) == []
        journal.authorize("burn:d", "h5", "", {"from": vault, "sequence": 5})
        assert signed_above(journal, plan) == ["burn:d at sequence 5"]
        journal.retire("burn:d", "h5", "proven dead")
        assert signed_above(journal, plan) == []


def test_the_window_leaves_the_old_systems_sources_to_it_and_the_successors_to_them() -> None:
    window = SourceWindow({"pokt1new": 1, "pokt1old": 500}, 900, 100, None)
    assert window.deposit("pokt1old", 500) is None
    before = window.deposit("pokt1old", 499)
    assert before is not None
    assert before.state is SourceState.GONE
    assert "the old system's" in str(before.reason)
    after = window.deposit("pokt1new", 901)
    assert after is not None
    assert after.state is SourceState.NOT_YET
    assert window.deposit("pokt1elsewhere", 600) is not None
    assert window.burn(100) is None
    old_burn = window.burn(99)
    assert old_burn is not None
    assert old_burn.state is SourceState.GONE
    with pytest.raises(RebuildMismatchError, match="before this cluster's start block 100"):
        refuse_outside(window.burn(99))


class _Chain:
    """The old vault's account and balance as a Pocket node would answer; no group anywhere."""

    def __init__(self, sequence: int, balance: int) -> None:
        self.sequence, self.held = sequence, balance

    def account(self, address: str) -> Account:
        return Account(address, 21, self.sequence, None)

    def balance(self, address: str, denom: str = "upokt") -> int:
        return self.held

    def query(self, path: str, *, not_found_ok: bool = False) -> None:
        return None


def _old_settings(tmp_path: Path) -> Settings:
    env_key = {"source": "env", "env_var": "UNUSED"}
    return parse_settings({
        "node_id": "node-3", "network": "devnet", "cluster": {"nodes": 7, "threshold": 5},
        "mongodb": {"uri": "mongodb://127.0.0.1:1", "database": "x"},
        "ethereum": {"rpc_url": "http://127.0.0.1:1", "chain_id": 1,
                     "token_address": "0x" + "11" * 20, "mint_controller_address": "0x" + "22" * 20,
                     "validator_addresses": OLD},
        "pocket": {"rest_url": "http://127.0.0.1:1", "vault_address": OLD_VAULT.address(),
                   "member_public_keys": [k.public_key.hex() for k in OLD_KEYS],
                   "fee_upokt": 10_000},
        "keys": {"eth_signer": env_key, "pokt_signer": env_key, "eth_gas": env_key},
        "journal_path": str(tmp_path / "j.sqlite3"),
    })  # fmt: skip


def test_an_old_key_holder_is_not_tricked_into_signing(tmp_path: Path) -> None:
    plan, settings = _plan(), _old_settings(tmp_path)
    announced = plan.spec.recipient
    fresh = _Chain(sequence=4, balance=42_000_000)
    problems = check_before_signing(plan, settings, fresh, announced)  # type: ignore[arg-type]
    assert problems == [f"the destination {announced} is not an x/group policy on chain"]
    elsewhere = pokt_address_of(LocalKeySigner(b"\x07" * 32).public_key)
    problems = check_before_signing(plan, settings, _Chain(5, 1), elsewhere)  # type: ignore[arg-type]
    assert any(f"not {elsewhere}" in p for p in problems)
    assert any("stale or forged" in p for p in problems)
    assert any("holds less than the plan sends" in p for p in problems)
