"""``wpokt-node status --html FILE``: one self-contained page, opened in headless Chromium
(Debian's ``chromium``), showing entries, holds and node health, with every value from the
untrusted database escaped."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from tests.integration.test_control_and_readonly import write_config
from wpokt_node.db.models import new_entry
from wpokt_node.db.schema import MINTS, NODES
from wpokt_node.node.cli import main

pytestmark = pytest.mark.node

Document = dict[str, Any]
FORGED = "<script>document.title='owned'</script><img src=x onerror=alert(1)>"


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "Debian's chromium is needed (make test installs it)"
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _cluster_state(db: Database[Document]) -> ObjectId:
    """A held mint, a stuck one whose tx hash a database writer forged into markup, and one
    node whose pokt-watcher beats while its other workers are silent."""
    old = datetime.now(UTC) - timedelta(hours=2)
    held = new_entry(transaction_hash="AA" * 32, height=5, from_address="pokt1sender",
                     to_address="0x4f6A22dD6dA50B868133d147Dbc97bD70f77A6A7", amount=7_000_000,
                     source_event="pokt:" + "AA" * 32)  # fmt: skip
    held.update(status="confirmed", held="daily_mint_cap", held_detail="cap 5000000 reached")
    stuck = new_entry(transaction_hash=FORGED, height=6, from_address="pokt1sender",
                      to_address="0x4f6A22dD6dA50B868133d147Dbc97bD70f77A6A7", amount=1_000_000,
                      source_event="pokt:forged")  # fmt: skip
    stuck.update(status="started", updated_at=old, signers=["node-01"])
    db[MINTS].insert_many([held, stuck])
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    db[NODES].insert_one({"node_id": "node-01", "workers": {
        "pokt-watcher": {"at_ms": now_ms, "last_error": None, "hold": None},
    }})  # fmt: skip
    return ObjectId(stuck["_id"])


def test_the_status_page_shows_the_cluster_and_runs_nothing_from_the_database(
    mongo_db: Database[Document], tmp_path: Path
) -> None:
    # Given a degraded cluster with a stuck entry carrying forged markup
    stuck_id = _cluster_state(mongo_db)
    config = write_config(tmp_path, mongo_db)

    # When an operator writes the status page
    page = tmp_path / "status.html"
    code = main(["status", "--config", str(config), "--html", str(page), "--stuck-after", "60"])

    # Then it exits 1 (degraded), and the page, opened in a browser, shows the verdict, the
    # entries, the hold and the node, with the forged markup as text: no script ran
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html.replace("&lt;script", "")
    assert "Content-Security-Policy" in html
    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<title>wPOKT bridge status</title>" in dom.stdout  # not 'owned'
    assert "degraded" in dom.stdout
    assert f"mints/{stuck_id}" in dom.stdout
    assert "&lt;script&gt;document.title" in dom.stdout
    for shown in ("daily_mint_cap", "cap 5000000 reached", "node-01", "no heartbeat"):
        assert shown in dom.stdout
    shot = tmp_path / "status.png"
    taken = _chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
