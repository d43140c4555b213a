"""Is this node paused right now? Its own config (``caps.paused``) or the cluster control record.

A paused node signs nothing and sends nothing (no mint submission, no release broadcast);
bookkeeping that moves no money (confirmations, nonce/sequence allocation, recording outcomes
already on chain) goes on. A database read error propagates: the pass fails and nothing is
signed.
"""

from __future__ import annotations

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
