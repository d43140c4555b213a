"""Confirmation rules: a block is confirmed by depth, or by the ``finalized`` block tag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wpokt_node.eth.client import EthClient


def confirmation_depth(block_number: int, head: int) -> int:
    """Blocks on top of and including ``block_number`` (1 when it is the head)."""
    return max(0, head - block_number + 1)


@dataclass(frozen=True, slots=True)
class Confirmation:
    depth: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ConfirmationPolicy:
    """``required_depth`` blocks, or ``None`` to require the block to be finalized."""

    required_depth: int | None

    @classmethod
    def from_setting(cls, value: int | Literal["finalized"]) -> ConfirmationPolicy:
        return cls(None if value == "finalized" else int(value))

    @property
    def uses_finalized_tag(self) -> bool:
        return self.required_depth is None

    def evaluate(self, block_number: int, head: int, finalized: int | None) -> Confirmation:
        depth = confirmation_depth(block_number, head)
        if self.required_depth is None:
            return Confirmation(depth, finalized is not None and block_number <= finalized)
        return Confirmation(depth, depth >= self.required_depth and depth > 0)

    def check(self, client: EthClient, block_number: int) -> Confirmation:
        head = client.block_number()
        finalized = client.finalized_block_number() if self.uses_finalized_tag else None
        return self.evaluate(block_number, head, finalized)
