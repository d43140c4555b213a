"""Build the committed contract artifacts with the pinned npm ``solc`` (build/test time only).

The runtime never needs npm: it reads ``artifacts/*.json`` (see ``artifacts.py``). An artifact
records the ABI, bytecode, compiler version and settings, and hashes of every compiled source
(ours and OpenZeppelin's), so a recompile proves the committed files are current.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wpokt_node.errors import WpoktError

# The project's contracts (the token, its controller, the timelock that administers them outside
# devnet), and the devnet's "production" profile (test fixtures that behave like the deployed
# wPOKT contracts; see docs/ethereum.md).
CONTRACTS = (
    "WrappedPocket",
    "MintController",
    "ProductionWrappedPocket",
    "ProductionMintController",
    "AdminTimelock",
)
SOLC_VERSION_PREFIX = "0.8.37+"
SOLC_SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 200},
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
    },
}
SOURCE_DIR = Path("wpokt_node/eth/contracts")
ARTIFACT_DIR = Path("wpokt_node/eth/artifacts")
COMPILE_SCRIPT = Path("scripts/compile_contracts.mjs")
COMPILE_TIMEOUT_S = 600


class ContractBuildError(WpoktError):
    """The contracts could not be compiled."""


@dataclass(frozen=True)
class BuiltArtifact:
    name: str
    text: str  # the exact file content to commit


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


def compiler_input(root: Path) -> dict[str, Any]:
    sources = {
        f"contracts/{name}.sol": {"content": (root / SOURCE_DIR / f"{name}.sol").read_text("utf-8")}
        for name in CONTRACTS
    }
    return {"language": "Solidity", "sources": sources, "settings": SOLC_SETTINGS}


def run_solc(root: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise ContractBuildError("`node` is not on PATH; install Node.js and run `make setup`")
    if not (root / "node_modules" / "solc").is_dir():
        raise ContractBuildError("npm package `solc` is missing; run `make setup`")
    proc = subprocess.run(
        [node, str(root / COMPILE_SCRIPT)],
        input=json.dumps(compiler_input(root)),
        capture_output=True,
        text=True,
        timeout=COMPILE_TIMEOUT_S,
        cwd=root,
        check=False,
    )
    if proc.returncode != 0:
        raise ContractBuildError(f"solc failed (exit {proc.returncode}): {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def build_artifacts(root: Path) -> list[BuiltArtifact]:
    compiled = run_solc(root)
    version = str(compiled["version"])
    if not version.startswith(SOLC_VERSION_PREFIX):
        raise ContractBuildError(f"expected solc {SOLC_VERSION_PREFIX}*, got {version}")
    output = compiled["output"]
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        details = "\n".join(str(e.get("formattedMessage", e.get("message"))) for e in errors)
        raise ContractBuildError(f"solc reported errors:\n{details}")
    full_input = compiled["input"]
    source_hashes = {
        path: _sha256(source["content"]) for path, source in sorted(full_input["sources"].items())
    }
    input_hash = _sha256(json.dumps(full_input, sort_keys=True, separators=(",", ":")))
    built: list[BuiltArtifact] = []
    for name in CONTRACTS:
        source_name = f"contracts/{name}.sol"
        contract = output["contracts"][source_name][name]
        artifact = {
            "contractName": name,
            "sourceName": source_name,
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
            "compiler": {"name": "solc", "version": version, "settings": SOLC_SETTINGS},
            "sourceHash": input_hash,
            "sources": source_hashes,
        }
        built.append(BuiltArtifact(name, canonical_json(artifact)))
    return built


def artifact_path(root: Path, name: str) -> Path:
    return root / ARTIFACT_DIR / f"{name}.json"


def write_artifacts(root: Path, artifacts: list[BuiltArtifact]) -> list[Path]:
    written = []
    for artifact in artifacts:
        path = artifact_path(root, artifact.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(artifact.text, encoding="utf-8")
        written.append(path)
    return written


def stale_artifacts(root: Path, artifacts: list[BuiltArtifact]) -> list[str]:
    """Names whose committed file differs from a fresh build (or is missing)."""
    stale = []
    for artifact in artifacts:
        path = artifact_path(root, artifact.name)
        if not path.is_file() or path.read_text(encoding="utf-8") != artifact.text:
            stale.append(artifact.name)
    return stale
