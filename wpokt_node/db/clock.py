"""The node's UTC clock, at the millisecond precision BSON dates keep."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def now_ms() -> int:
    """Milliseconds since the Unix epoch (wall clock, UTC)."""
    return time.time_ns() // 1_000_000
