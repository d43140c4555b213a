"""Read a Terraform directory with python-hcl2 into plain data (quotes and markers removed)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import hcl2

_MARKERS = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}


def plain(value: Any) -> Any:
    """hcl2 keeps string quotes (``'"x"'``) and block markers; strip both, recursively."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if k not in _MARKERS}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


class TerraformDir:
    """The blocks of every ``*.tf`` file in one directory, by kind."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = sorted(directory.glob("*.tf"))
        self.blocks: dict[str, list[Any]] = defaultdict(list)
        for path in self.files:
            with path.open(encoding="utf-8") as handle:
                parsed = plain(hcl2.load(handle))
            for kind, items in parsed.items():
                self.blocks[kind].extend(items)

    def named(self, kind: str) -> dict[str, Any]:
        """``module``/``variable``/``output`` blocks: name -> body."""
        return {name: body for item in self.blocks[kind] for name, body in item.items()}

    def resources(self, kind: str = "resource") -> dict[tuple[str, str], Any]:
        """``resource``/``data`` blocks: (type, name) -> body."""
        return {
            (rtype, name): body
            for item in self.blocks[kind]
            for rtype, by_name in item.items()
            for name, body in by_name.items()
        }

    def text(self) -> str:
        return "\n".join(path.read_text(encoding="utf-8") for path in self.files)
