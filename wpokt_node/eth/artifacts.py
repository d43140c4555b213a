"""Load the committed contract artifacts (ABI + bytecode); no npm or compiler at runtime."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from wpokt_node.errors import WpoktError

WRAPPED_POCKET = "WrappedPocket"
MINT_CONTROLLER = "MintController"
PRODUCTION_WRAPPED_POCKET = "ProductionWrappedPocket"
PRODUCTION_MINT_CONTROLLER = "ProductionMintController"
ADMIN_TIMELOCK = "AdminTimelock"
ARTIFACTS = (
    WRAPPED_POCKET,
    MINT_CONTROLLER,
    PRODUCTION_WRAPPED_POCKET,
    PRODUCTION_MINT_CONTROLLER,
    ADMIN_TIMELOCK,
)


@dataclass(frozen=True)
class ContractArtifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    compiler_version: str
    source_hash: str


@cache
def load_artifact(name: str) -> ContractArtifact:
    if name not in ARTIFACTS:
        raise WpoktError(f"unknown contract artifact {name!r}")
    try:
        text = resources.files("wpokt_node.eth").joinpath("artifacts", f"{name}.json").read_text()
    except FileNotFoundError:
        raise WpoktError(f"artifact {name}.json is missing; run `make contracts`") from None
    data = json.loads(text)
    return ContractArtifact(
        name=name,
        abi=data["abi"],
        bytecode=data["bytecode"],
        deployed_bytecode=data["deployedBytecode"],
        compiler_version=data["compiler"]["version"],
        source_hash=data["sourceHash"],
    )


def token_abi() -> list[dict[str, Any]]:
    return load_artifact(WRAPPED_POCKET).abi


def controller_abi() -> list[dict[str, Any]]:
    return load_artifact(MINT_CONTROLLER).abi
