"""Which source events this cluster pays: a window of heights, set by the cut-over of a
migration (docs/runbooks/migrate-from-5-of-7.md) and never by the database.

- A deposit into a retired vault below that vault's ``start_height``, or a burn below
  ``ethereum.start_block``, belongs to the old system, which paid it or must: this cluster's
  journals know nothing of it, so only a height bound read from config keeps a database writer
  from having it paid again. Such an entry fails as gone (it was never this cluster's).
- A cluster handing over (``pocket.stop_height``, ``ethereum.stop_block``) pays nothing after
  its stop: that belongs to the successor. Such an entry waits (``not yet``), unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wpokt_node.config import Settings
from wpokt_node.custody.base import RebuildMismatchError, SourceCheck, SourceState


@dataclass(frozen=True, slots=True)
class SourceWindow:
    deposit_floor: Mapping[str, int]  # vault -> the first height this cluster pays
    deposit_stop: int | None
    burn_floor: int
    burn_stop: int | None

    @classmethod
    def from_settings(cls, settings: Settings) -> SourceWindow:
        pocket = settings.pocket
        floors = {pocket.vault_address: pocket.start_height}
        floors.update({v.address: v.start_height for v in pocket.retired_vaults})
        return cls(floors, pocket.stop_height, settings.ethereum.start_block,
                   settings.ethereum.stop_block)  # fmt: skip

    def deposit(self, vault: str, height: int | None) -> SourceCheck | None:
        """None if this cluster pays a deposit into ``vault`` at ``height``, else why not."""
        floor = self.deposit_floor.get(vault)
        if height is None or floor is None:
            return SourceCheck(SourceState.GONE, reason=f"deposit into {vault}: no known height")
        if height < floor:
            reason = f"deposit at height {height}, before this cluster's first height {floor} "
            return SourceCheck(SourceState.GONE, reason=reason + f"for {vault} (the old system's)")
        if self.deposit_stop is not None and height > self.deposit_stop:
            reason = f"deposit at height {height}, after this cluster's stop height "
            return SourceCheck(SourceState.NOT_YET, reason=reason + f"{self.deposit_stop}")
        return None

    def burn(self, block: int) -> SourceCheck | None:
        """None if this cluster pays a burn in ``block``, else why not."""
        if block < self.burn_floor:
            reason = f"burn in block {block}, before this cluster's start block {self.burn_floor}"
            return SourceCheck(SourceState.GONE, reason=reason + " (the old system's)")
        if self.burn_stop is not None and block > self.burn_stop:
            reason = f"burn in block {block}, after this cluster's stop block {self.burn_stop}"
            return SourceCheck(SourceState.NOT_YET, reason=reason)
        return None


def refuse_outside(check: SourceCheck | None) -> None:
    """For the signing rule: raise RebuildMismatchError if the window excludes the source."""
    if check is not None:
        raise RebuildMismatchError(check.reason or "outside this cluster's window")
