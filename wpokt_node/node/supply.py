"""The supply monitor: wPOKT ``totalSupply`` must never exceed what the vaults hold.

Read from the chains only (the database is not trusted): the token's ``totalSupply`` first,
then the retired vaults (and the fees their migration sweeps paid, which the books count as
backing spent by design), then the current vault. In that order a payout or a sweep that lands
between two reads can only make the vaults look richer, never poorer: a mint follows its
deposit, and a sweep moves POKT from a retired vault to the current one. A burn paid between
the supply read and the vault read is the one race left, so a breach must be seen on two checks
in a row before it pauses the bridge.

The vaults hold the supply plus what is in flight (deposits not yet minted, burns not yet paid,
refunds not yet sent), so ``vaults - supply`` is never negative on a healthy bridge; the excess
is reported, the shortfall is what alerts (``wpokt_supply_shortfall_upokt``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.db.control import read_bridge_pause, set_bridge_pause
from wpokt_node.errors import WpoktError
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.logs import get_logger
from wpokt_node.metrics import SUPPLY, SUPPLY_CHECKS, SUPPLY_SHORTFALL, VAULT_BALANCE
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.vault_sweeps import sweep_fees

log = get_logger(__name__)
BREACHES_TO_PAUSE = 2


@dataclass(frozen=True, slots=True)
class SupplyReading:
    supply: int
    vault: int
    retired: dict[str, int]
    sweep_fees: int = 0  # what the retired vaults' migration sweeps paid out of the backing

    @property
    def backing(self) -> int:
        return self.vault + sum(self.retired.values()) + self.sweep_fees

    @property
    def shortfall(self) -> int:
        return max(0, self.supply - self.backing)

    def evidence(self, tolerance: int) -> str:
        retired = ""
        if self.retired:
            retired = f" + retired vaults {sum(self.retired.values())} + their sweeps' fees " \
                f"{self.sweep_fees}"  # fmt: skip
        return (
            f"wPOKT totalSupply {self.supply} exceeds the vaults' {self.backing} upokt "
            f"(vault {self.vault}{retired}) by {self.shortfall}, beyond the tolerance {tolerance}"
        )


def read_supply(settings: Settings, token: TokenContract, pokt: PocketClient) -> SupplyReading:
    """One reading, in the order that can only err towards the vaults (module docstring)."""
    supply = token.total_supply()
    denom = settings.pocket.denom
    retired = {v.address: pokt.balance(v.address, denom) for v in settings.pocket.retired_vaults}
    fees = sum(sweep_fees(pokt, address, denom) for address in retired)
    vault = pokt.balance(settings.pocket.vault_address, denom)
    return SupplyReading(supply=supply, vault=vault, retired=retired, sweep_fees=fees)


class SupplyMonitor:
    """Checks the supply every ``supply.interval_s``; a breach seen twice in a row is logged
    as an alert and, with ``supply.pause_on_breach``, pauses the whole bridge with the
    evidence as the pause's reason."""

    def __init__(
        self,
        settings: Settings,
        db: Database[dict[str, Any]],
        read: Callable[[], SupplyReading],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings, self.db, self.read, self.clock = settings, db, read, clock
        self.breaches = 0
        self._next_at = 0.0

    def run_if_due(self) -> SupplyReading | None:
        now = self.clock()
        if now < self._next_at:
            return None
        self._next_at = now + self.settings.supply.interval_s
        return self.check()

    def check(self) -> SupplyReading | None:
        try:
            reading = self.read()
        except WpoktError as exc:
            SUPPLY_CHECKS.labels("error").inc()
            log.warning("supply check could not read the chains", error=str(exc)[:300])
            return None
        token = self.settings.ethereum.token_address
        SUPPLY.labels(token).set(reading.supply)
        VAULT_BALANCE.labels("current").set(reading.vault)
        VAULT_BALANCE.labels("retired").set(sum(reading.retired.values()))
        SUPPLY_SHORTFALL.labels(token).set(reading.shortfall)
        tolerance = self.settings.supply.tolerance_upokt
        if reading.shortfall <= tolerance:
            self.breaches = 0
            SUPPLY_CHECKS.labels("backed").inc()
            return reading
        self.breaches += 1
        SUPPLY_CHECKS.labels("breach").inc()
        evidence = reading.evidence(tolerance)
        log.error("supply breach", alert=True, evidence=evidence, seen=self.breaches)
        if self.breaches >= BREACHES_TO_PAUSE and self.settings.supply.pause_on_breach:
            self._pause(evidence)
        return reading

    def _pause(self, evidence: str) -> None:
        if read_bridge_pause(self.db).paused:
            return
        state = set_bridge_pause(
            self.db,
            paused=True,
            by=f"supply-monitor@{self.settings.node_id}",
            reason=f"supply breach seen on {self.breaches} checks in a row: {evidence}",
        )
        log.error("bridge paused by the supply monitor", alert=True, change=state.seq)
