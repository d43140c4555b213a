"""The migration's pure parts: the controller switch plan under the deployed contract's rules,
the sweep plan and signature files, and the books."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from wpokt_node.eth.contracts import ValidatorState
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of
from wpokt_node.migration.accounts import Books
from wpokt_node.migration.controller import switch_calls, switch_state
from wpokt_node.migration.sweep import MigrationError, SweepPlan, SweepSignature, sign_sweep
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.release_spec import ReleaseSpec


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


def _plan() -> SweepPlan:
    spec = ReleaseSpec(
        chain_id="pocket", account_number=21, sequence=4, vault_address=OLD_VAULT.address(),
        recipient="pokt1afk9zr2hn2jsac63h4hm60vl9z3e5u69gndzf7c99cqge3vzwjzscxnvwx",
        amount=41_990_000, memo="wpokt migration: sweep to x", fee_amount=10_000,
        gas_limit=400_000,
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
