"""``wpokt-node status --html FILE``: the cluster's state as one self-contained HTML page an
operator opens in a browser. No server (the node opens no listening socket), no script, no
external resource: inline CSS only, a Content-Security-Policy that forbids the rest, and every
value from the database escaped (it is not trusted)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from wpokt_node.db.schema import Status
from wpokt_node.node.status import ClusterStatus, WorkerHealth

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2433;background:#f6f7f9}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#5b6577}.verdict{padding:10px 14px;border-radius:6px;margin:16px 0;font-weight:600}
.ok{background:#dff3e4;color:#1e6b34}.bad{background:#fbe3e1;color:#8a1f17}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001;margin-bottom:8px}
th,td{border:1px solid #e2e5ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.up{color:#1e6b34}td.down{color:#8a1f17;font-weight:600}
code{font:12px ui-monospace,monospace}.empty{color:#5b6577;font-style:italic}
"""
POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True, slots=True)
class NodeRow:
    node_id: str
    workers: Sequence[WorkerHealth]
    hold: str | None


def render_status_page(
    status: ClusterStatus,
    problems: Sequence[str],
    nodes: Sequence[NodeRow],
    *,
    generated_at: datetime,
    stuck_after_s: float,
) -> str:
    verdict = (
        '<div class="verdict ok">healthy: no problem found</div>'
        if not problems
        else '<div class="verdict bad">degraded</div>' + _list(problems)
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        "<title>wPOKT bridge status</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>wPOKT bridge status</h1>",
        f'<div class="meta">generated {_text(generated_at.isoformat(timespec="seconds"))}; '
        f"bridge {_text(status.bridge_pause.describe())}; minted in the last 24 h "
        f"{_text(str(status.minted_24h))} upokt</div>",
        verdict,
        "<h2>Entries by status</h2>",
        _counts(status),
        "<h2>Nodes</h2>",
        _nodes(nodes),
        f"<h2>Stuck (no change for {stuck_after_s:.0f} s)</h2>",
        _table(["entry", "status", "source tx", "since"], _stuck_rows(status)),
        "<h2>Held (waiting for a limit)</h2>",
        _table(["entry", "status", "amount", "held by", "detail"], _held_rows(status)),
        "<h2>Started entries a node has not signed</h2>",
        _table(["node", "entries"], sorted(status.unsigned_by_node.items())),
        "<h2>Failed refunds needing an operator</h2>",
        _table(["entry", "source tx", "sender", "amount", "why"], _refund_rows(status)),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_status_page(path: Path, page: str) -> None:
    """Atomically (a reader never sees half a page), readable by its owner's group."""
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _stuck_rows(status: ClusterStatus) -> list[list[object]]:
    return [
        [f"{e['collection']}/{e['id']}", e["status"], e["transaction_hash"], e["since"]]
        for e in status.stuck
    ]


def _held_rows(status: ClusterStatus) -> list[list[object]]:
    return [
        [f"{h['collection']}/{h['id']}", h["status"], h["amount"], h["held"], h.get("detail")]
        for h in status.held
    ]


def _refund_rows(status: ClusterStatus) -> list[list[object]]:
    return [
        [f"{r['collection']}/{r['id']}", r["transaction_hash"], r["from_address"], r["amount"],
         r["error"]]
        for r in status.needs_operator
    ]  # fmt: skip


def _text(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _cell(value: object) -> str:
    if isinstance(value, list):
        return _text(", ".join(str(v) for v in value))
    return _text(value)


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{_text(i)}</li>" for i in items) + "</ul>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    body = ["<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows]
    if not body:
        return '<p class="empty">none</p>'
    head = "<tr>" + "".join(f"<th>{_text(h)}</th>" for h in headers) + "</tr>"
    return f"<table>{head}{''.join(body)}</table>"


def _counts(status: ClusterStatus) -> str:
    seen = {s for counts in status.counts.values() for s in counts}
    statuses = [s.value for s in Status if s.value in seen] + sorted(
        seen - {s.value for s in Status}
    )
    rows = ([name, *(counts.get(s, 0) for s in statuses)] for name, counts in status.counts.items())
    return _table(["collection", *statuses], rows)


def _nodes(nodes: Sequence[NodeRow]) -> str:
    if not nodes:
        return '<p class="empty">no node has reported</p>'
    workers = sorted({w.worker for node in nodes for w in node.workers})
    head = "<tr><th>node</th>" + "".join(f"<th>{_text(w)}</th>" for w in workers)
    rows = [head + "<th>signing held</th></tr>"]
    for node in nodes:
        by_name = {w.worker: w for w in node.workers}
        cells = "".join(_worker_cell(by_name.get(w)) for w in workers)
        rows.append(f"<tr><td>{_text(node.node_id)}</td>{cells}<td>{_text(node.hold)}</td></tr>")
    return f"<table>{''.join(rows)}</table>"


def _worker_cell(health: WorkerHealth | None) -> str:
    if health is None or health.age_s is None:
        return '<td class="down">no heartbeat</td>'
    state = "up" if health.healthy else "down"
    text = f"{state}, {health.age_s:.0f} s ago"
    if health.last_error:
        text += f" — {health.last_error}"
    return f'<td class="{state}">{_text(text)}</td>'
