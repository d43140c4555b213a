"""The governance watch: a node signs only while the chains' governance is what its config says.

The startup checks compare the MintController's validator set and threshold, and the group
vault's policy and members, with the config once. A change made while the node runs (an admin
adding a validator, lowering the threshold, a group proposal changing members, a new holder of
the token's admin or minter role) could let fewer or other parties than the operators agreed
move money, so the watch re-reads them (and the token's role grants, ``eth/roles.py``) every
``workers.governance_interval_s`` (60 s, ``INTERVAL_S``) and, while they differ, holds this
node's signing (the node's pause) and alerts. The operator acknowledges a legitimate change by
putting the new facts in the config and restarting: then they agree again. A failed read (any
error) keeps the last verdict, up to ``MAX_UNREADABLE`` in a row; then signing is held until
the chains are readable again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from wpokt_node.config import MintCustody, PocketCustody, Settings
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.eth.roles import RoleWatch
from wpokt_node.logs import get_logger
from wpokt_node.node.worker import error_summary
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.group_vault import group_vault_problems, resolve_custody

log = get_logger(__name__)
INTERVAL_S = 60.0
MAX_UNREADABLE = 5  # failed reads in a row (minutes) before signing is held


class GovernanceWatch:
    def __init__(
        self,
        settings: Settings,
        controller: ControllerContract,
        pokt: PocketClient,
        own_pokt_key: bytes,
        roles: RoleWatch,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.controller = controller
        self.pokt = pokt
        self.own_pokt_key = own_pokt_key
        self.roles = roles
        self.clock = clock
        self._checked_at: float | None = None
        self._reason: str | None = None
        self._failures = 0

    def reason(self) -> str | None:
        """Why the chains' governance differs from the config now, or None (cached)."""
        now = self.clock()
        interval = self.settings.workers.governance_interval_s
        if self._checked_at is not None and now - self._checked_at < interval:
            return self._reason
        self._checked_at = now  # also after a failed read: the next try waits an interval
        try:
            found = self._differences()
        except Exception as exc:
            return self._unreadable(exc)
        self._failures = 0
        reason = "; ".join(found) or None
        if reason is not None and reason != self._reason:
            log.error("governance changed on chain: this node signs nothing until its config "
                      "agrees", alert=True, reason=reason)  # fmt: skip
        elif reason is None and self._reason is not None:
            log.info("governance agrees with the config again: signing resumes")
        self._reason = reason
        return reason

    def _unreadable(self, exc: Exception) -> str | None:
        """A failed read keeps the last verdict; ``MAX_UNREADABLE`` in a row hold signing (a
        watch that cannot see must not keep approving)."""
        self._failures += 1
        error = error_summary(exc)
        log.warning("governance watch: chain not readable; keeping the last verdict",
                    alert=self._failures >= MAX_UNREADABLE, error=error)  # fmt: skip
        if self._failures >= MAX_UNREADABLE:
            return (
                f"the chains' governance could not be read for {self._failures} checks in a "
                f"row ({error})"
            )
        return self._reason

    def _differences(self) -> list[str]:
        """What differs from the config; during a key rotation (``rotation``), from each of the
        states the rotation passes through: only what differs from all of them counts."""
        settings = self.settings
        found = (
            []
            if settings.ethereum.custody is MintCustody.COPPER  # the controller mints nothing
            else first_agreeing([self._validators(v) for v in validator_sets(settings)])
        )
        found += [f"the token: {p}" for p in self.roles.problems()]
        if resolve_custody(settings) is PocketCustody.GROUP:
            reader, own = GroupReader(self.pokt), self.own_pokt_key
            found += first_agreeing(
                [[f"the group vault: {p}" for p in group_vault_problems(reader, v, own)]
                 for v in rotation_states(settings)]
            )  # fmt: skip
        return found

    def _validators(self, validators: list[str]) -> list[str]:
        state = self.controller.validator_state(validators)
        wanted = (len(validators), self.settings.cluster.threshold)
        missing = sorted(a for a, member in state.membership.items() if not member)
        if (state.count, state.threshold) == wanted and not missing:
            return []
        return [
            f"the MintController has {state.count} validators at threshold {state.threshold} "
            f"({len(missing)} of the config's missing), the config {wanted[0]} at {wanted[1]}"
        ]


def rotation_states(settings: Settings) -> list[Settings]:
    """The config, and during a key rotation the config once it is done."""
    return [settings] if settings.rotation is None else [settings, settings.rotated()]


def validator_sets(settings: Settings) -> list[list[str]]:
    """The validator sets the MintController may hold: the config's; during an eth_signer
    rotation also the rotated one, and both keys at once (the admin adds the new validator,
    then removes the old one)."""
    sets = [list(s.ethereum.validator_addresses) for s in rotation_states(settings)]
    if settings.rotation is not None and settings.rotation.eth_signer is not None:
        sets.append(settings.accepted_validators())
    return sets


def first_agreeing(differences: list[list[str]]) -> list[str]:
    """Nothing if one of the states agrees with the chain, else what differs from the first."""
    return [] if any(not found for found in differences) else differences[0]
