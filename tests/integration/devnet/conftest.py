"""The ``chain`` fixture: a Pocket simulator (instant blocks, movable clock, state file)
with 12 funded group members (``group_chain.GroupChain``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.devnet.group_chain import Clock, GroupChain, member_signers, start_chain


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[GroupChain]:
    clock = Clock()
    members = member_signers()
    state_file = tmp_path / "state.json"
    sim = start_chain(members, clock, state_file)
    group_chain = GroupChain(sim, members, clock, state_file=state_file, started=[sim])
    yield group_chain
    for started in group_chain.started:
        started.stop()
