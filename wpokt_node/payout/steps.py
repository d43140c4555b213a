"""One entry's step inside a pass: its outcome counted, its failure contained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wpokt_node.errors import NotReadyError
from wpokt_node.logs import get_logger
from wpokt_node.metrics import ENTRY_STEPS, label

log = get_logger(__name__)


def run_entry_step(
    summary: dict[str, int], entry_id: object, step: Callable[[], str], *, what: str, **context: Any
) -> str:
    """Run one entry's step inside a pass and count its outcome in ``summary``. A step that is
    not ready yet counts as ``not_ready``; any other failure is logged and counts as ``error``:
    one bad entry never stops the pass."""
    try:
        outcome = step()
    except NotReadyError as exc:
        log.info(f"{what} not ready", entry_id=str(entry_id), detail=str(exc), **context)
        outcome = "not_ready"
    except Exception as exc:
        log.error(
            f"{what} step failed",
            entry_id=str(entry_id),
            error=f"{type(exc).__name__}: {exc}"[:500],
            exc_info=True,
            **context,
        )
        outcome = "error"
    summary[outcome] = summary.get(outcome, 0) + 1
    ENTRY_STEPS.labels(label(outcome)).inc()
    return outcome
