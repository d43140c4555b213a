"""The bench's database command profile: counts by command and call site, flushed to a file per
process, added up across processes; off unless its environment variable is set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from wpokt_node.db.command_profile import PROFILE_DIR_ENV, CommandProfile, aggregate


def event(name: str, collection: str) -> Any:
    return SimpleNamespace(command_name=name, command={name: collection})


def test_commands_are_counted_by_command_and_collection_and_added_up(tmp_path: Path) -> None:
    profile = CommandProfile(tmp_path)
    for _ in range(3):
        profile.record(event("find", "mints"))
    profile.record(event("update", "nodes"))
    # the file is written at the first record, then at most every 5 s: write the last counts
    profile.path.write_text(json.dumps(dict(profile.counts)), encoding="utf-8")
    (tmp_path / "99999.json").write_text('{"find mints | ": 2}', encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert aggregate(tmp_path) == {"find mints | ": 5, "update nodes | ": 1}
    assert profile.path.name == f"{os.getpid()}.json"


def test_the_profile_is_off_unless_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PROFILE_DIR_ENV, raising=False)
    assert CommandProfile.from_environment() is None
    monkeypatch.setenv(PROFILE_DIR_ENV, str(tmp_path / "p"))
    profile = CommandProfile.from_environment()
    assert profile is not None
    assert profile.path.parent == tmp_path / "p"
