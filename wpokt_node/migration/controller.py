"""Switch the MintController from the old validators to this cluster's, by the contract's own
rules, computed from what the chain says now (so a half-done switch continues, a finished one
is refused as done).

The deployed controller (pokt-network/wpokt ``src/MintController.sol``) changes one thing per
call: ``addValidator``, ``removeValidator`` (refused when ``validatorCount - 1`` would fall
below the threshold) and ``setSignerThreshold`` (``validatorCount / 2 <= t <= validatorCount``).
So: add every new validator, set the new threshold, then remove every old one. The project's
controller also has ``updateValidators(add, remove, threshold)``, one atomic call, which is
used when the contract has it. On mainnet the admin is a multisig wallet: ``--print-calls``
prints the calls for one atomic batch instead of sending them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.migration.sweep import MigrationError

UPDATE_VALIDATORS = "updateValidators(address[],address[],uint256)"


@dataclass(frozen=True, slots=True)
class ControllerCall:
    function: str
    args: tuple[object, ...]
    data: bytes

    def describe(self) -> str:
        shown = ", ".join(
            "[" + ", ".join(map(str, a)) + "]" if isinstance(a, list) else str(a) for a in self.args
        )
        return f"{self.function}({shown})"


@dataclass(frozen=True, slots=True)
class SwitchState:
    count: int
    threshold: int
    new_missing: list[str]
    old_present: list[str]
    unknown: int

    @property
    def done(self) -> bool:
        return not self.new_missing and not self.old_present


def has_update_validators(client: EthClient, address: str) -> bool:
    """Whether the contract's code dispatches ``updateValidators`` (its selector is a PUSH4)."""
    return keccak(text=UPDATE_VALIDATORS)[:4] in client.code_at(address)


def switch_state(
    controller: ControllerContract, new: Sequence[str], old: Sequence[str]
) -> SwitchState:
    new = [str(to_checksum_address(a)) for a in new]
    old = [str(to_checksum_address(a)) for a in old]
    old = [a for a in dict.fromkeys(old) if a not in new]
    state = controller.validator_state([*new, *old])
    return SwitchState(
        count=state.count,
        threshold=state.threshold,
        new_missing=[a for a in new if not state.membership[a]],
        old_present=[a for a in old if state.membership[a]],
        unknown=state.count - len(state.members),
    )


def switch_calls(
    controller: ControllerContract,
    state: SwitchState,
    threshold: int,
    *,
    atomic: bool,
) -> list[ControllerCall]:
    """The calls that take the controller from ``state`` to the new set at ``threshold``;
    MigrationError if it is already there or the contract's rules forbid the way."""
    if state.unknown:
        raise MigrationError(
            f"the MintController has {state.unknown} validators in neither the old nor the new "
            "set: find and remove them first (RemovedValidator/NewValidator events)"
        )
    if state.done and state.threshold == threshold:
        raise MigrationError(
            f"the MintController already has the {state.count} new validators and threshold "
            f"{threshold}: nothing to do"
        )
    if atomic:
        args = (state.new_missing, state.old_present, threshold)
        return [
            ControllerCall("updateValidators", args, controller.encode("updateValidators", *args))
        ]
    calls = [
        ControllerCall("addValidator", (a,), controller.encode("addValidator", a))
        for a in state.new_missing
    ]
    count = state.count + len(state.new_missing)
    if threshold != state.threshold:
        if not count // 2 <= threshold <= count:
            raise MigrationError(
                f"threshold {threshold} is outside what the contract allows with {count} "
                f"validators ({count // 2}..{count})"
            )
        calls.append(
            ControllerCall(
                "setSignerThreshold",
                (threshold,),
                controller.encode("setSignerThreshold", threshold),
            )
        )
    for address in state.old_present:
        if count - 1 < threshold:
            raise MigrationError(
                f"removing {address} would leave fewer validators than {threshold}"
            )
        count -= 1
        calls.append(
            ControllerCall(
                "removeValidator", (address,), controller.encode("removeValidator", address)
            )
        )
    return calls
