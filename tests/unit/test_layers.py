"""The layer contracts in pyproject.toml hold, and the checker catches an import that runs up."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = ROOT / ".venv-lint" / "bin" / "lint-imports"  # made by `make lint`


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_the_node(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "wpokt_node", tmp_path / "wpokt_node")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_node_keeps_its_layers(copy_of_the_node: Path) -> None:
    result = _check(copy_of_the_node)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("db/models.py", "from wpokt_node.payout import machine"),  # data layer -> payout
        ("custody/base.py", "from wpokt_node.mint import gates"),  # custody -> a flow
        ("logs.py", "from wpokt_node import config"),  # a leaf -> config
    ],
)
def test_an_upward_import_breaks_the_lint(copy_of_the_node: Path, module: str, upward: str) -> None:
    # Given a module of a lower layer that imports a higher one
    path = copy_of_the_node / "wpokt_node" / module
    path.write_text(path.read_text() + f"\n{upward}  # noqa\n")

    # When the layer check runs, then it fails and names the import
    result = _check(copy_of_the_node)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert upward.split()[1] in result.stdout
