"""The node's CLI without and with command plugins (``wpokt_node.commands`` entry points)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from wpokt_node.node import cli

NODE_PACKAGE = Path(cli.__file__).resolve().parents[1]
NODE_COMMANDS = {
    "config",
    "run",
    "health",
    "status",
    "db",
    "keys",
    "admin",
    "vault",
    "migrate",
    "journal",
}


class _Point:
    def __init__(self, name: str, module: Any) -> None:
        self.name = name
        self.value = f"{name}_module"
        self._module = module

    def load(self) -> Any:
        if isinstance(self._module, Exception):
            raise self._module
        return self._module


def _commands(parser: Any) -> set[str]:
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


def _with_points(monkeypatch: pytest.MonkeyPatch, points: list[_Point]) -> None:
    monkeypatch.setattr(
        cli, "entry_points", lambda group: points if group == cli.PLUGIN_GROUP else []
    )


def test_without_plugins_every_node_command_is_there_and_no_devnet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_points(monkeypatch, [])
    assert _commands(cli.build_parser()) == NODE_COMMANDS
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    assert "devnet" not in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["devnet", "up"])  # argparse: invalid choice


def test_installed_devnet_plugin_adds_the_devnet_group() -> None:
    commands = _commands(cli.build_parser())
    assert commands == NODE_COMMANDS | {"devnet"}


def test_a_broken_plugin_is_reported_and_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Good:
        @staticmethod
        def register(subparsers: Any) -> None:
            subparsers.add_parser("extra")

    _with_points(monkeypatch, [_Point("broken", ImportError("no module")), _Point("good", Good)])
    assert _commands(cli.build_parser()) == NODE_COMMANDS | {"extra"}
    assert "'broken'" in capsys.readouterr().err


def test_the_node_never_imports_the_devnet() -> None:
    offenders = []
    for path in NODE_PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path}: {name}"
                for name in names
                if name.split(".")[0] in {"wpokt_devnet", "nx_27017"}
            ]
    assert offenders == []
