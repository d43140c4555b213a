"""Gates: flow-specific limits that make an entry wait (``held``) without failing it.

The state machine asks its gates before it starts, signs or executes an entry. A gate that
says no returns a ``Hold``; the machine records it on the entry (``held``, ``held_detail``)
and tries again on a later pass. Releases have no gates (``OPEN``); mints have the daily cap
and the MintController's on-chain mint limit (``wpokt_node.mint.gates``).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from wpokt_node.db.models import Entry


@dataclass(frozen=True, slots=True)
class Hold:
    code: str  # stored as the entry's ``held`` (docs/schema.md)
    detail: str


class Gates(Protocol):
    def admit_start(self, entry: Entry) -> AbstractContextManager[Hold | None]:
        """Around the nonce/sequence allocation of a ``confirmed`` entry."""
        ...

    def admit_sign(self, entry: Entry) -> Hold | None:
        """Before this node signs a ``started`` entry."""
        ...

    def admit_execute(self, entry: Entry, order: Mapping[str, Any]) -> Hold | None:
        """Before the executor submits a ``signed`` entry."""
        ...


class OpenGates:
    """No limits."""

    def admit_start(self, entry: Entry) -> AbstractContextManager[Hold | None]:
        return nullcontext(None)

    def admit_sign(self, entry: Entry) -> Hold | None:
        return None

    def admit_execute(self, entry: Entry, order: Mapping[str, Any]) -> Hold | None:
        return None


OPEN = OpenGates()
