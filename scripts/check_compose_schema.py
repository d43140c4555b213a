"""Check that tests/deploy/data/compose_spec.json is the schema shipped on PyPI.

The Compose Specification schema is vendored (docker-compose 1.29.2 cannot be installed beside
the project); this downloads that wheel without dependencies (cached in .venv-deploy/wheels)
and compares the two files byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDORED = ROOT / "tests" / "deploy" / "data" / "compose_spec.json"
REQUIREMENT = "docker-compose==1.29.2"
WHEEL_MEMBER = "compose/config/compose_spec.json"
CACHE = ROOT / ".venv-deploy" / "wheels"


def _wheel() -> Path:
    found = sorted(CACHE.glob("docker_compose-1.29.2-*.whl"))
    if found:
        return found[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--only-binary", ":all:", "--dest", str(CACHE), REQUIREMENT],
        check=True,
    )  # fmt: skip
    found = sorted(CACHE.glob("docker_compose-1.29.2-*.whl"))
    if not found:
        raise SystemExit(f"pip download {REQUIREMENT} produced no wheel in {CACHE}")
    return found[0]


def main() -> int:
    with zipfile.ZipFile(_wheel()) as wheel:
        published = wheel.read(WHEEL_MEMBER)
    if VENDORED.read_bytes() != published:
        print(f"{VENDORED} differs from {WHEEL_MEMBER} in {REQUIREMENT}")
        return 1
    print(f"compose schema: {VENDORED.relative_to(ROOT)} == {REQUIREMENT}:{WHEEL_MEMBER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
