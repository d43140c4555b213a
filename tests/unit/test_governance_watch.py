"""The governance watch: given the chain's validator set and threshold agree with the config,
the node signs; when they change on chain it holds its signing (within one interval) until
the config agrees again; an unreadable chain keeps the last verdict."""

from __future__ import annotations

from typing import Any, cast

from tests.unit.test_config import example_data
from wpokt_node.config import parse_settings
from wpokt_node.errors import ChainError
from wpokt_node.eth.contracts import ControllerContract, ValidatorState
from wpokt_node.eth.roles import RoleWatch
from wpokt_node.node.governance import INTERVAL_S, MAX_UNREADABLE, GovernanceWatch
from wpokt_node.pokt.client import PocketClient


class _Controller:
    def __init__(self, members: list[str], threshold: int) -> None:
        self.members, self.threshold, self.down = set(members), threshold, False

    def validator_state(self, candidates: list[str]) -> ValidatorState:
        if self.down:
            raise ChainError("rpc down")
        membership = {a: a in self.members for a in candidates}
        return ValidatorState(len(self.members), self.threshold, membership)


class _Roles:
    def __init__(self) -> None:
        self.found: list[str] = []

    def problems(self) -> list[str]:
        return list(self.found)


def test_a_governance_change_holds_signing_until_the_config_agrees() -> None:
    data: dict[str, Any] = example_data()
    settings = parse_settings(data, {})
    validators = settings.ethereum.validator_addresses
    controller = _Controller(validators, settings.cluster.threshold)
    roles = _Roles()
    now = [0.0]
    watch = GovernanceWatch(
        settings,
        cast(ControllerContract, controller),
        cast(PocketClient, None),  # the example's vault is a multisig: no group to read
        b"",
        cast(RoleWatch, roles),
        clock=lambda: now[0],
    )
    assert watch.reason() is None
    controller.threshold -= 1
    assert watch.reason() is None  # read again only after an interval
    now[0] += INTERVAL_S
    changed = watch.reason()
    assert changed is not None
    assert f"threshold {settings.cluster.threshold - 1}" in changed
    controller.down = True
    now[0] += INTERVAL_S
    assert watch.reason() == changed  # unreadable: the last verdict holds
    controller.down = False
    controller.threshold += 1
    controller.members.discard(validators[0])
    now[0] += INTERVAL_S
    assert "1 of the config's missing" in str(watch.reason())
    controller.members.add(validators[0])
    now[0] += INTERVAL_S
    assert watch.reason() is None
    roles.found = ["MINTER_ROLE is held by 0xabc"]
    now[0] += INTERVAL_S
    assert watch.reason() == "the token: MINTER_ROLE is held by 0xabc"


def test_a_watch_that_cannot_read_the_chain_holds_signing_after_a_few_tries() -> None:
    settings = parse_settings(example_data(), {})
    controller = _Controller(settings.ethereum.validator_addresses, settings.cluster.threshold)
    now = [0.0]
    watch = GovernanceWatch(settings, cast(ControllerContract, controller),
                            cast(PocketClient, None), b"", cast(RoleWatch, _Roles()),
                            clock=lambda: now[0])  # fmt: skip
    assert watch.reason() is None
    controller.validator_state = _raise_value_error  # type: ignore[method-assign,assignment]
    verdicts = []
    for _ in range(MAX_UNREADABLE):
        now[0] += INTERVAL_S
        verdicts.append(watch.reason())
    assert verdicts[:-1] == [None] * (MAX_UNREADABLE - 1)  # the last verdict holds a while
    assert "could not be read for 5 checks in a row (ValueError: bad topic)" in str(verdicts[-1])


def _raise_value_error(_candidates: list[str]) -> ValidatorState:
    raise ValueError("bad topic")


NEW_VALIDATOR = "0x" + "5a" * 20


def test_during_a_rotation_the_old_the_new_and_both_validators_are_accepted() -> None:
    # Given every node told that one validator is being replaced
    data: dict[str, Any] = example_data()
    old = data["ethereum"]["validator_addresses"][4]
    data["rotation"] = {"eth_signer": {"old": old, "new": NEW_VALIDATOR}}
    settings = parse_settings(data, {})
    new = settings.rotation.eth_signer.new  # type: ignore[union-attr]
    validators = list(settings.ethereum.validator_addresses)
    controller = _Controller(validators, settings.cluster.threshold)
    now = [0.0]
    watch = GovernanceWatch(settings, cast(ControllerContract, controller),
                            cast(PocketClient, None), b"", cast(RoleWatch, _Roles()),
                            clock=lambda: now[0])  # fmt: skip

    def after(members: set[str]) -> str | None:
        controller.members = members
        now[0] += INTERVAL_S
        return watch.reason()

    # When the admin adds the new one, then removes the old one: no hold at any step
    assert after(set(validators)) is None
    assert after({*validators, new}) is None
    assert after({*validators, new} - {old}) is None
    # But any other change still holds, e.g. the old one removed with no new one added
    assert after(set(validators) - {old}) is not None
    assert after({*validators, new} - {validators[0]}) is not None
    # And the node counts signatures of either key
    assert set(settings.accepted_validators()) == {*validators, new}
    assert settings.rotated().ethereum.validator_addresses[4] == new
    assert settings.rotated().rotation is None


def test_with_copper_mints_the_controller_is_not_watched_but_the_minter_role_is() -> None:
    # Given a cluster whose mints are Copper orders (the MintController mints nothing)
    from tests.unit.copper.test_config import COPPER

    data: dict[str, Any] = example_data()
    data["ethereum"]["custody"] = "copper"
    data["copper"] = COPPER
    settings = parse_settings(data, {})
    controller = _Controller([], 1)  # a controller whose validators no longer match
    roles = _Roles()
    now = [0.0]
    watch = GovernanceWatch(
        settings,
        cast(ControllerContract, controller),
        cast(PocketClient, None),
        b"",
        cast(RoleWatch, roles),
        clock=lambda: now[0],
    )
    # Then its validator set holds nothing, but a second minter does
    assert watch.reason() is None
    roles.found = ["MINTER_ROLE is held by 0xabc"]
    now[0] += INTERVAL_S
    assert watch.reason() == "the token: MINTER_ROLE is held by 0xabc"
