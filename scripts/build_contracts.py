"""Compile the contracts in ``wpokt_node/eth/contracts`` into the committed artifacts.

Usage: ``python scripts/build_contracts.py`` (writes) or ``--check`` (exit 1 if stale).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wpokt_node.eth.build import build_artifacts, stale_artifacts, write_artifacts  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check the committed artifacts")
    args = parser.parse_args()
    artifacts = build_artifacts(ROOT)
    if args.check:
        stale = stale_artifacts(ROOT, artifacts)
        for name in stale:
            print(f"stale artifact: {name} (run `make contracts`)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_artifacts(ROOT, artifacts):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
