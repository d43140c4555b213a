"""A watcher that also keeps the frontend view current, after each of its passes."""

from __future__ import annotations

from wpokt_node.frontend import FrontendView
from wpokt_node.logs import get_logger
from wpokt_node.node.worker import Task, error_summary

log = get_logger(__name__)


class KeepsFrontendView:
    """Runs ``task``, then one round of ``view``; a view that cannot be written is logged and
    reported, and never stops the watcher's own work."""

    def __init__(self, task: Task, view: FrontendView) -> None:
        self.task, self.view = task, view

    def run_once(self) -> dict[str, object]:
        report = self.task.run_once()
        try:
            report.update(self.view.sync())
        except Exception as exc:
            summary = error_summary(exc)
            log.warning("frontend view not updated", error=summary)
            report["view_error"] = summary
        report["view_unmappable_total"] = self.view.unmappable
        return report
