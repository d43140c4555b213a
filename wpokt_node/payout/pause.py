"""Is this node paused right now? Its own config (``caps.paused``) or the cluster control record.

A paused node signs nothing and sends nothing (no mint submission, no release broadcast);
bookkeeping that moves no money (confirmations, nonce/sequence allocation, recording outcomes
already on chain) goes on. A database read error propagates: the pass fails and nothing is
signed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.db.control import read_bridge_pause

Document = dict[str, Any]

NODE_PAUSED = "this node is paused by its config (caps.paused)"


def pause_reason(db: Database[Document], settings: Settings) -> str | None:
    """Why this node must not sign or send now, or None."""
    if settings.caps.paused:
        return NODE_PAUSED
    state = read_bridge_pause(db)
    if state.paused:
        return f"the bridge is paused ({state.describe()})"
    return None


class PassPause:
    """``paused`` as one pass asks it entry after entry: read afresh at the start of every pass
    (``new_pass``) and then at most once per ``reuse_s``, so a pass over many entries does not
    read the control record for each, and a pause still stops the next signature within a
    second."""

    def __init__(
        self,
        paused: Callable[[], str | None],
        reuse_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.paused, self.reuse_s, self.clock = paused, reuse_s, clock
        self._read: tuple[str | None, float] | None = None

    def new_pass(self) -> None:
        self._read = None

    def __call__(self) -> str | None:
        now = self.clock()
        if self._read is None or now - self._read[1] >= self.reuse_s:
            self._read = (self.paused(), now)
        return self._read[0]
