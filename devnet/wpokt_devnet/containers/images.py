"""``make image``: the node, devnet and anvil images, built from a wheelhouse on any engine.

The build contexts are made here, never the repository itself:
- ``build/image``: ``wheelhouse/`` (every wheel of ``deploy/requirements-devnet.lock``, for
  CPython 3.11 on Debian bookworm's glibc, downloaded by pip with its hash checked, plus the
  node's and the devnet's own wheels built from this checkout) and the two hash locks;
- ``build/anvil``: the anvil binary that ``npm ci`` put in ``node_modules`` (package.json pins it).

The base image is the official Python slim image when the engine has it or can pull it, else a
Debian bookworm root file system made with ``mmdebstrap`` and ``docker import``-ed.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wpokt_devnet.compose import DEVNET_IMAGE, IMAGE, LOCAL_ANVIL_IMAGE
from wpokt_devnet.containers.engine import Engine, EngineError, install_packages

OFFICIAL_BASE = "python:3.11-slim-bookworm"
LOCAL_BASE = "wpokt-base:bookworm"
AUTO = "auto"
PYTHON_VERSION = "3.11"  # the images' Python: bookworm's python3 and the official 3.11 image
GLIBC_MINOR = 36  # Debian bookworm's glibc 2.36: no wheel may need a newer one
MMDEBSTRAP = (
    "mmdebstrap",
    "--variant=minbase",
    "--include=python3,python3-venv,ca-certificates",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "bookworm",
)
LOCKS = ("deploy/requirements.lock", "deploy/requirements-devnet.lock")

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ImageSpec:
    tag: str
    dockerfile: str
    context: str  # under the repository


IMAGES = (
    ImageSpec(IMAGE, "deploy/Dockerfile", "build/image"),
    ImageSpec(DEVNET_IMAGE, "deploy/Dockerfile.devnet", "build/image"),
    ImageSpec(LOCAL_ANVIL_IMAGE, "deploy/Dockerfile.anvil", "build/anvil"),
)


def _machine() -> str:
    machine = platform.machine()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine.lower(), machine)


def wheel_platforms(machine: str | None = None) -> list[str]:
    """pip ``--platform`` tags a bookworm image runs: manylinux up to glibc 2.36, newest first."""
    arch = machine or _machine()
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags: list[str] = []
    for minor in range(GLIBC_MINOR, 4, -1):
        tags.append(f"manylinux_2_{minor}_{arch}")
        if minor in legacy:
            tags.append(f"{legacy[minor]}_{arch}")
    return tags


def make_wheelhouse(repo: Path, say: Say = print) -> Path:
    """``build/image``: the locks and a wheelhouse holding exactly what the images install."""
    repo = repo.resolve()  # pip reads a bare relative name ("devnet") as a PyPI project
    context = repo / "build" / "image"
    wheelhouse = context / "wheelhouse"
    shutil.rmtree(wheelhouse, ignore_errors=True)  # only what the locks name (pip's cache is warm)
    wheelhouse.mkdir(parents=True)
    for lock in LOCKS:
        shutil.copyfile(repo / lock, context / Path(lock).name)
    platforms = [arg for tag in wheel_platforms() for arg in ("--platform", tag)]
    say("wheelhouse: downloading the locked wheels (hashes checked)")
    _pip(
        "download", "--quiet", "--require-hashes", "--only-binary=:all:", "--no-deps",
        "--python-version", PYTHON_VERSION, "--implementation", "cp",
        "--abi", "cp311", "--abi", "abi3", "--abi", "none", *platforms,
        "-r", str(repo / LOCKS[1]), "-d", str(wheelhouse),
    )  # fmt: skip
    say("wheelhouse: building wpokt-node and wpokt-devnet from this checkout")
    # setuptools builds in the source tree; a module deleted since an earlier build would still
    # be in its build/lib and ship in the wheel
    stale = (
        repo / "build" / "lib",
        repo / "build" / "bdist.linux-x86_64",
        repo / "devnet" / "build",
    )
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    try:
        _pip(
            "wheel", "--quiet", "--no-deps", "-w", str(wheelhouse), str(repo), str(repo / "devnet")
        )
    finally:
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)
    return context


def _pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        raise EngineError(f"pip {args[0]}: {' '.join(errors[-2:]) or result.stderr.strip()}")


def anvil_context(repo: Path) -> Path:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(_machine(), _machine())
    found = repo / "node_modules" / "@foundry-rs" / f"anvil-linux-{arch}" / "bin" / "anvil"
    if not found.is_file():
        raise EngineError(f"no {found.relative_to(repo)}: run `make setup` (npm ci) first")
    context = repo / "build" / "anvil"
    context.mkdir(parents=True, exist_ok=True)
    shutil.copy2(found, context / "anvil")
    return context


def _has_image(engine: Engine, tag: str) -> bool:
    return engine.docker("image", "inspect", tag, check=False).returncode == 0


def resolve_base(engine: Engine, requested: str, repo: Path, say: Say = print) -> str:
    """The base image to build on: ``requested``, or for ``auto`` the official one if it can be
    had, else the local Debian base (made once per engine)."""
    if requested != AUTO:
        if not _has_image(engine, requested):
            engine.docker("pull", requested, timeout_s=900)
        return requested
    if _has_image(engine, OFFICIAL_BASE):
        return OFFICIAL_BASE
    if engine.docker("pull", OFFICIAL_BASE, check=False, timeout_s=900).returncode == 0:
        return OFFICIAL_BASE
    say(f"{OFFICIAL_BASE} cannot be pulled here: using the local Debian base {LOCAL_BASE}")
    if not _has_image(engine, LOCAL_BASE):
        tar = local_base_tar(repo, say)
        engine.docker("import", "--change", 'CMD ["bash"]', str(tar), LOCAL_BASE)
    return LOCAL_BASE


def local_base_tar(repo: Path, say: Say = print) -> Path:
    """``build/base/bookworm.tar``: Debian bookworm minbase with Python 3.11 (mmdebstrap)."""
    tar = repo / "build" / "base" / "bookworm.tar"
    if tar.is_file():
        return tar
    if not shutil.which("mmdebstrap"):
        say("installing mmdebstrap (Debian package)")
        install_packages(["mmdebstrap"])
    tar.parent.mkdir(parents=True, exist_ok=True)
    partial = tar.with_suffix(".partial.tar")
    say("making the local Debian base with mmdebstrap (about a minute)")
    result = subprocess.run(
        [*MMDEBSTRAP, str(partial)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        tail = result.stderr.strip().splitlines()[-1:]
        raise EngineError(f"mmdebstrap failed: {' '.join(tail)}")
    partial.replace(tar)
    return tar


@dataclass(frozen=True, slots=True)
class Built:
    base: str
    sizes: dict[str, int]  # bytes per tag


def build_images(engine: Engine, repo: Path, base: str = AUTO, say: Say = print) -> Built:
    """Build every image on ``engine``: the base it chose and each image's size."""
    make_wheelhouse(repo, say)
    anvil_context(repo)
    chosen = resolve_base(engine, base, repo, say)
    sizes: dict[str, int] = {}
    for spec in IMAGES:
        say(f"building {spec.tag} ({spec.dockerfile}) on {chosen}")
        result = engine.docker(
            "build", "--quiet", "--file", str(repo / spec.dockerfile),
            "--build-arg", f"BASE={chosen}", "--tag", spec.tag, str(repo / spec.context),
            check=False, timeout_s=1800,
        )  # fmt: skip
        if result.returncode != 0:
            raise EngineError(f"building {spec.tag} failed:\n{_build_failure(result)}")
        size = engine.docker("image", "inspect", "--format", "{{.Size}}", spec.tag).stdout
        sizes[spec.tag] = int(size.strip())
    return Built(chosen, sizes)


def _build_failure(result: subprocess.CompletedProcess[str]) -> str:
    """The lines of a failed build that name the cause (pip's ERROR lines, hash mismatches)."""
    lines = (result.stdout + result.stderr).splitlines()
    wanted = [
        line.strip()
        for line in lines
        if "ERROR" in line or "Expected sha256" in line or "Got " in line or "Could not" in line
    ]
    return "\n".join(wanted[-8:] or lines[-8:])


def image_sizes_text(sizes: dict[str, int]) -> str:
    return "\n".join(f"  {tag:<20} {size / 1_000_000:7.1f} MB" for tag, size in sizes.items())
