"""The simulator's configuration: one JSON file (``CopperSimConfig.from_file``).

Secrets (API secrets, shard secrets, vault keys) are plain strings: this is a devnet tool, and
the file is written by the devnet or a test with mode 0600.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wpokt_node.errors import ConfigError

_HEX32 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
KNOWN_KEYS = frozenset(
    {
        "portfolio_id",
        "threshold",
        "api_keys",
        "shards",
        "cuo",
        "platform_port",
        "max_skew_ms",
        "pocket",
        "ethereum",
    }
)


@dataclass(frozen=True, slots=True)
class CuoEntry:
    """One node's CUO server: its port (0: a free one) and the directory of its shard files."""

    node_id: str
    keys_dir: str
    port: int = 0


@dataclass(frozen=True, slots=True)
class PocketTarget:
    """Where and how fully signed POKT orders are broadcast (the Copper vault's Pocket key)."""

    rest_url: str
    vault_key_hex: str
    chain_id: str = "pocket"
    fee_upokt: int = 20_000
    gas: int = 200_000
    denom: str = "upokt"


@dataclass(frozen=True, slots=True)
class EthereumTarget:
    """Where and how fully signed ETH smart calls are broadcast (the vault's Ethereum key)."""

    rpc_url: str
    vault_key_hex: str
    chain_id: int = 31337
    gas_limit: int = 300_000


@dataclass(frozen=True, slots=True)
class CopperSimConfig:
    portfolio_id: str
    threshold: int
    api_keys: dict[str, str]  # API key -> API secret
    shards: dict[str, str]  # shard id -> 32-byte shard secret, hex
    cuo: tuple[CuoEntry, ...] = ()
    platform_port: int = 0
    max_skew_ms: int = 30_000
    pocket: PocketTarget | None = None
    ethereum: EthereumTarget | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.portfolio_id:
            problems.append("portfolio_id must not be empty")
        if self.threshold < 1:
            problems.append("threshold must be at least 1")
        if not self.api_keys:
            problems.append("api_keys must name at least one key")
        problems += [
            f"shard {s}: the secret is not 32 bytes of hex"
            for s, secret in self.shards.items()
            if not _HEX32.match(secret)
        ]
        if len(self.shards) < self.threshold:
            problems.append(f"{len(self.shards)} shards cannot reach threshold {self.threshold}")
        node_ids = [entry.node_id for entry in self.cuo]
        if len(set(node_ids)) != len(node_ids):
            problems.append("cuo: node ids must be distinct")
        if problems:
            raise ConfigError(problems)

    def shard_secret(self, shard_id: str) -> bytes | None:
        secret = self.shards.get(shard_id)
        return None if secret is None else bytes.fromhex(secret.removeprefix("0x"))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CopperSimConfig:
        """The config a JSON object describes; ConfigError naming what is missing, unknown
        (a misspelt key is never ignored) or of the wrong type."""
        unknown = sorted(set(raw) - KNOWN_KEYS)
        missing = sorted(k for k in ("portfolio_id", "threshold", "api_keys") if k not in raw)
        if unknown or missing:
            raise ConfigError(
                [f"unknown key {k!r}" for k in unknown] + [f"missing key {k!r}" for k in missing]
            )
        try:
            pocket, ethereum = raw.get("pocket"), raw.get("ethereum")
            return cls(
                portfolio_id=str(raw["portfolio_id"]),
                threshold=int(raw["threshold"]),
                api_keys={str(k): str(v) for k, v in dict(raw["api_keys"]).items()},
                shards={str(k): str(v) for k, v in dict(raw.get("shards", {})).items()},
                cuo=tuple(CuoEntry(**entry) for entry in raw.get("cuo", [])),
                platform_port=int(raw.get("platform_port", 0)),
                max_skew_ms=int(raw.get("max_skew_ms", 30_000)),
                pocket=PocketTarget(**pocket) if pocket else None,
                ethereum=EthereumTarget(**ethereum) if ethereum else None,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError([f"copper simulator config: {type(exc).__name__}: {exc}"]) from None

    @classmethod
    def from_file(cls, path: Path | str) -> CopperSimConfig:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError([f"cannot read {path}: {exc}"]) from None
        if not isinstance(raw, dict):
            raise ConfigError([f"{path}: the config must be a JSON object"])
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        def plain(target: PocketTarget | EthereumTarget | None) -> dict[str, Any] | None:
            if target is None:
                return None
            return {name: getattr(target, name) for name in target.__dataclass_fields__}

        return {
            "portfolio_id": self.portfolio_id,
            "threshold": self.threshold,
            "api_keys": dict(self.api_keys),
            "shards": dict(self.shards),
            "cuo": [
                {"node_id": e.node_id, "port": e.port, "keys_dir": e.keys_dir} for e in self.cuo
            ],
            "platform_port": self.platform_port,
            "max_skew_ms": self.max_skew_ms,
            "pocket": plain(self.pocket),
            "ethereum": plain(self.ethereum),
        }

    def write(self, path: Path | str) -> Path:
        """Write the config as JSON, readable by its owner only (it holds secrets)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        target.chmod(0o600)
        return target
