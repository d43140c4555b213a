"""``devnet up`` in the directory of a stopped devnet starts from nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wpokt_devnet.cluster import up
from wpokt_devnet.cluster_config import DevnetOptions


def test_up_forgets_what_a_stopped_devnet_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the directory of a stopped devnet: its chain state, database and node journals
    (tmp_path / "devnet.json").write_text(json.dumps({"node_ids": [], "services": {}}))
    (tmp_path / "pokt-state.json").write_text("{}")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "data").write_text("old entries")
    (tmp_path / "nodes" / "node-01").mkdir(parents=True)
    (tmp_path / "nodes" / "node-01" / "journal.sqlite3").write_text("old journal")

    def stop_here(*_args: object) -> None:
        raise RuntimeError("services not started in this test")

    monkeypatch.setattr("wpokt_devnet.cluster._start_services", stop_here)
    monkeypatch.setattr("wpokt_devnet.cluster.down", lambda _directory: [])

    # When a new devnet is brought up there
    with pytest.raises(RuntimeError, match="not started"):
        up(tmp_path, DevnetOptions(nodes=3, threshold=2))

    # Then nothing of the old one is left but the new state file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devnet.json"]
