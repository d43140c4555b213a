"""The docs name only commands that exist: every ``wpokt-node <command> [<action>]`` in a code
span or block of README.md and docs/ (runbooks included) is a command of the CLI, with the
devnet plugin installed as ``make setup`` does."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from wpokt_node.node.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([*ROOT.glob("*/README.md"), ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCED = re.compile(r"```.*?```", re.S)
INLINE = re.compile(r"`([^`\n]+)`")
WORD = re.compile(r"[a-z][a-z-]*")
# words before ``wpokt-node`` that make it the container or the unit, not the command
CONTAINER = {"exec", "-i", "-it", "--entrypoint", "--name", "stop", "-f", "restart", "start"}


def _code(text: str) -> list[str]:
    blocks = FENCED.findall(text)
    rest = FENCED.sub("", text)
    return blocks + INLINE.findall(rest)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def invocations_in(code: str) -> list[list[str]]:
    """The command words (one or two) after each ``wpokt-node`` that is the command."""
    found = []
    for line in code.splitlines():
        tokens = line.replace("`", " ").split()
        for i, token in enumerate(tokens):
            if token != "wpokt-node" or (i and tokens[i - 1] in CONTAINER):
                continue
            words = []
            for word in tokens[i + 1 : i + 3]:
                if not WORD.fullmatch(word) or word == "wpokt-node":
                    break
                words.append(word)
            if words:
                found.append(words)
    return found


def _invocations() -> list[tuple[str, list[str]]]:
    return [
        (path.relative_to(ROOT).as_posix(), words)
        for path in DOCS
        for code in _code(path.read_text(encoding="utf-8"))
        for words in invocations_in(code)
    ]


def test_an_invocation_behind_the_container_name_is_read() -> None:
    code = "sudo docker exec -i wpokt-node wpokt-node migrate frobnicate --config x"
    assert invocations_in(code) == [["migrate", "frobnicate"]]


def test_the_docs_name_invocations_at_all() -> None:
    named = {words[0] for _, words in _invocations()}
    assert {"run", "status", "migrate", "journal", "devnet", "vault"} <= named


@pytest.mark.parametrize(("doc", "words"), _invocations())
def test_every_invocation_in_the_docs_exists(doc: str, words: list[str]) -> None:
    commands = _subcommands(build_parser())
    assert words[0] in commands, f"{doc}: wpokt-node {words[0]} is not a command"
    actions = _subcommands(commands[words[0]])
    if actions and len(words) > 1:
        assert words[1] in actions, f"{doc}: wpokt-node {' '.join(words)} is not a command"
