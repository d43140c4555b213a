"""Typed node settings: one YAML file plus ``WPOKT_*`` environment overrides (environment wins).

Nested keys are joined with a double underscore: ``WPOKT_ETHEREUM__RPC_URL`` overrides
``ethereum.rpc_url``. Every default lives here, in one place. ``load_config`` raises
``ConfigError`` with one line per problem; secrets are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from eth_utils.address import is_hex_address, to_checksum_address
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from wpokt_node.addresses import address_from_bytes
from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.amounts import parse_amount
from wpokt_node.errors import ConfigError, ValidationError

ENV_PREFIX = "WPOKT_"
ENV_NESTING = "__"
_NODE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def _eth_address(value: object) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise ValueError("not an Ethereum address (0x followed by 40 hex digits)")
    if value.lower() == "0x" + "0" * 40:
        raise ValueError("the zero address is not allowed")
    return str(to_checksum_address(value))


def _pokt_address(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not a Pocket address")
    try:
        return normalize_pokt_address(value.strip())
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


def _pubkey_hex(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a public key is a hex string")
    cleaned = value.strip().lower().removeprefix("0x")
    if not re.fullmatch(r"0[23][0-9a-f]{64}", cleaned):
        raise ValueError("expected a 33-byte compressed secp256k1 public key in hex (66 digits)")
    return cleaned


def _base_units(value: object) -> int:
    try:
        return parse_amount(value)
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


EthAddress = Annotated[str, BeforeValidator(_eth_address)]
PoktAddress = Annotated[str, BeforeValidator(_pokt_address)]
PubKeyHex = Annotated[str, BeforeValidator(_pubkey_hex)]
BaseUnits = Annotated[int, BeforeValidator(_base_units)]
PositiveSeconds = Annotated[float, Field(gt=0, le=3600)]


def _node_id(value: str) -> str:
    if not _NODE_ID.fullmatch(value):
        raise ValueError("node_id must be 1-63 chars of a-z, 0-9, '-', '_' (lower case)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(StrEnum):
    DEVNET = "devnet"
    TESTNET = "testnet"
    MAINNET = "mainnet"


class ClusterSettings(_Strict):
    nodes: int = Field(12, ge=1, le=64, description="N: number of bridge nodes")
    threshold: int = Field(9, ge=1, le=64, description="T: signatures needed for any payout")

    @model_validator(mode="after")
    def _threshold_fits(self) -> ClusterSettings:
        if self.threshold > self.nodes:
            raise ValueError(f"threshold ({self.threshold}) is greater than nodes ({self.nodes})")
        if self.threshold * 2 <= self.nodes:
            raise ValueError(
                f"threshold ({self.threshold}) must be more than half of nodes ({self.nodes})"
            )
        return self


class MongoSettings(_Strict):
    uri: SecretStr = Field(description="MongoDB connection string (may hold a password)")
    database: str = Field("wpokt", min_length=1, max_length=60)
    timeout_ms: int = Field(5000, ge=100, le=120_000, description="server selection timeout")


class EthereumSettings(_Strict):
    rpc_url: str = Field(min_length=1)
    chain_id: int = Field(ge=1)
    token_address: EthAddress
    mint_controller_address: EthAddress
    validator_addresses: list[EthAddress] = Field(
        description="the N MintController validators (EIP-712 signers), one per node"
    )
    confirmations: int | Literal["finalized"] = Field(
        12, description="blocks of depth, or 'finalized' to use the finalized block tag"
    )
    start_block: int = Field(0, ge=0)
    stop_block: int | None = Field(
        None, ge=0, description="a cluster handing over: pays no burn after this block"
    )
    scan_chunk_size: int = Field(1000, ge=1, le=100_000)
    reorg_margin: int = Field(
        64, ge=0, le=10_000, description="blocks re-scanned behind the cursor to notice reorgs"
    )
    rescan_blocks: int = Field(
        7200, ge=0, description="burns re-checked behind the cursor (deleted, shadowed entries)"
    )
    rescan_interval_s: PositiveSeconds = 60.0
    gas_limit_mint: int = Field(400_000, ge=21_000)
    rpc_timeout_s: PositiveSeconds = 10.0

    @model_validator(mode="after")
    def _confirmations_valid(self) -> EthereumSettings:
        if isinstance(self.confirmations, int) and self.confirmations < 0:
            raise ValueError("confirmations must be >= 0 or 'finalized'")
        return self


class PocketCustody(StrEnum):
    AUTO = "auto"  # multisig when vault_address is the members' multisig address, else group
    GROUP = "group"  # an x/group threshold policy account (any N)
    MULTISIG = "multisig"  # a LegacyAminoPubKey vault (N <= the chain's tx_sig_limit)


class GroupVaultSettings(_Strict):
    voting_period_s: int = Field(86_400, ge=1, le=30 * 86_400)
    min_payout_upokt: BaseUnits = Field(
        1_000_000, description="smaller burns and refunds are not paid (members pay the fees)"
    )
    resend_after_s: PositiveSeconds = Field(
        30.0, description="a proposal or MsgExec not seen on chain by then is sent again"
    )


class RetiredVaultSettings(_Strict):
    """A legacy multisig vault this cluster took over (``docs/runbooks/migrate-from-5-of-7.md``):
    deposits still arriving there are minted or refunded (from the current vault) until its
    POKT is swept; its keys are the old operators', never this node's."""

    address: PoktAddress
    threshold: int = Field(ge=1)
    member_public_keys: list[PubKeyHex] = Field(min_length=1)
    start_height: int = Field(
        ge=1,
        description="the first height whose deposits this cluster pays: the old system's last "
        "scanned height + 1 (earlier deposits are the old system's, whatever the database says)",
    )

    @model_validator(mode="after")
    def _threshold_fits(self) -> RetiredVaultSettings:
        if self.threshold > len(self.member_public_keys):
            raise ValueError("a retired vault's threshold exceeds its number of keys")
        return self


class PocketSettings(_Strict):
    rest_url: str = Field(min_length=1)
    chain_id: str = Field("pocket", min_length=1)
    vault_address: PoktAddress
    member_public_keys: list[PubKeyHex] = Field(
        description="compressed secp256k1 keys of the vault members (one per node), hex"
    )
    custody: PocketCustody = PocketCustody.AUTO
    retired_vaults: list[RetiredVaultSettings] = Field(
        default_factory=list, description="old vaults still watched for deposits"
    )
    group: GroupVaultSettings = GroupVaultSettings()
    confirmations: int = Field(1, ge=0)
    index_lag_blocks: int = Field(
        1, ge=0, le=100, description="scan deposits only to latest - this (txs are indexed late)"
    )
    missing_tx_blocks: int = Field(
        20, ge=1, le=10_000, description="blocks a source tx stays unknown before it is forged"
    )
    rescan_blocks: int = Field(
        200, ge=0, description="deposits re-checked behind the cursor (deleted, shadowed entries)"
    )
    rescan_interval_s: PositiveSeconds = 60.0
    start_height: int = Field(1, ge=1)
    stop_height: int | None = Field(
        None, ge=1, description="a cluster handing over: pays no deposit after this height"
    )
    fee_upokt: BaseUnits = 20_000
    gas_limit: int = Field(400_000, ge=1)
    denom: str = "upokt"
    rpc_timeout_s: PositiveSeconds = 10.0


class KeySource(StrEnum):
    KEYSTORE = "keystore"
    KMS = "kms"
    ENV = "env"


class KeySettings(_Strict):
    source: KeySource
    path: Path | None = Field(None, description="keystore file (source: keystore)")
    password_file: Path | None = Field(None, description="keystore password file")
    password_env: str | None = Field(None, description="env var holding the keystore password")
    kms_key_id: str | None = Field(None, description="AWS KMS key id or ARN (source: kms)")
    kms_region: str | None = None
    env_var: str | None = Field(None, description="env var with the raw hex key (source: env)")

    @model_validator(mode="after")
    def _source_fields(self) -> KeySettings:
        if self.source is KeySource.KEYSTORE and self.path is None:
            raise ValueError("a keystore key needs 'path'")
        if self.source is KeySource.KEYSTORE and (self.password_file is None) == (
            self.password_env is None
        ):
            raise ValueError("a keystore key needs exactly one of 'password_file', 'password_env'")
        if self.source is KeySource.KMS and not self.kms_key_id:
            raise ValueError("a kms key needs 'kms_key_id'")
        if self.source is KeySource.ENV and not self.env_var:
            raise ValueError("an env key needs 'env_var' (the variable's name, not the key)")
        return self


class KeysSettings(_Strict):
    eth_signer: KeySettings = Field(description="signs EIP-712 MintData")
    pokt_signer: KeySettings = Field(description="this node's vault member key")
    eth_gas: KeySettings = Field(description="pays gas to submit mintWrappedPocket")


class WorkerSettings(_Strict):
    interval_s: PositiveSeconds = 5.0
    batch_size: int = Field(100, ge=1, le=10_000)


class WorkersSettings(_Strict):
    pokt_watcher: WorkerSettings = WorkerSettings()
    mint_executor: WorkerSettings = WorkerSettings()
    burn_watcher: WorkerSettings = WorkerSettings()
    # Pays burns and refunds out of the vault; ``burn_executor`` is its earlier name.
    release_executor: WorkerSettings = Field(
        WorkerSettings(), validation_alias=AliasChoices("release_executor", "burn_executor")
    )
    heartbeat_stale_s: PositiveSeconds = Field(
        60.0, description="a worker whose last heartbeat is older is unhealthy"
    )
    lease_ttl_s: PositiveSeconds = 30.0


class CapsSettings(_Strict):
    max_deposit_upokt: BaseUnits | None = Field(
        None, description="deposits above this are refunded"
    )
    daily_mint_cap_upokt: BaseUnits | None = Field(
        None, description="rolling 24 h cap on minted amount across the cluster"
    )
    paused: bool = Field(False, description="pause this node only: it signs and sends nothing")

    @model_validator(mode="after")
    def _deposit_fits_daily_cap(self) -> CapsSettings:
        deposit, daily = self.max_deposit_upokt, self.daily_mint_cap_upokt
        if deposit is not None and daily is not None and deposit > daily:
            raise ValueError(
                f"max_deposit_upokt ({deposit}) is above daily_mint_cap_upokt ({daily}): such a "
                "deposit could never be minted"
            )
        return self


class Settings(_Strict):
    node_id: Annotated[str, AfterValidator(_node_id)]
    network: Network = Network.DEVNET
    cluster: ClusterSettings = ClusterSettings()
    mongodb: MongoSettings
    ethereum: EthereumSettings
    pocket: PocketSettings
    keys: KeysSettings
    workers: WorkersSettings = WorkersSettings()
    caps: CapsSettings = CapsSettings()
    journal_path: Path = Field(
        Path("wpokt-journal.sqlite3"),
        description="this node's local signing journal (never the shared database)",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        keys = self.pocket.member_public_keys
        if len(keys) != self.cluster.nodes:
            raise ValueError(
                f"pocket.member_public_keys has {len(keys)} keys but cluster.nodes is "
                f"{self.cluster.nodes}"
            )
        if len(set(keys)) != len(keys):
            raise ValueError("pocket.member_public_keys contains a duplicate key")
        retired = [v.address for v in self.pocket.retired_vaults]
        if self.pocket.vault_address in retired or len(set(retired)) != len(retired):
            raise ValueError(
                "pocket.retired_vaults must differ from each other and from pocket.vault_address"
            )
        validators = self.ethereum.validator_addresses
        if len(validators) != self.cluster.nodes:
            raise ValueError(
                f"ethereum.validator_addresses has {len(validators)} addresses but cluster.nodes "
                f"is {self.cluster.nodes}"
            )
        if len(set(validators)) != len(validators):
            raise ValueError("ethereum.validator_addresses contains a duplicate address")
        if self.network is not Network.DEVNET:
            for name in ("eth_signer", "pokt_signer", "eth_gas"):
                key: KeySettings = getattr(self.keys, name)
                if key.source is KeySource.ENV:
                    raise ValueError(
                        f"keys.{name}: source 'env' (raw key in the environment) is only "
                        f"allowed when network is 'devnet'"
                    )
        return self

    @property
    def redacted_mongodb_uri(self) -> str:
        return redact_uri(self.mongodb.uri.get_secret_value())


def redact_uri(uri: str) -> str:
    """The URI with any password replaced, safe to log."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "[unparseable URI]"
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":[REDACTED]@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _set_path(tree: dict[str, Any], path: list[str], value: str) -> None:
    node = tree
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = _env_value(value)


def _env_value(value: str) -> Any:
    """Environment values are YAML scalars/flow collections (``12``, ``true``, ``[a, b]``)."""
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(parsed, float):
        return value  # keep as text; amounts reject floats with a clear message
    return value if parsed is None else parsed


def apply_env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> list[str]:
    """Apply ``WPOKT_A__B=v`` overrides in place; return problems for unknown top-level keys."""
    problems: list[str] = []
    known = set(Settings.model_fields)
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split(ENV_NESTING)]
        if not all(path):
            problems.append(f"{name}: malformed override name")
            continue
        if path[0] not in known:
            continue  # other WPOKT_* variables (e.g. key material named by keys.*.env_var)
        _set_path(data, path, environ[name])
    return problems


def _format_error(err: Mapping[str, Any]) -> str:
    location = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith("function-"))
    kind = err.get("type", "")
    message = str(err.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{location}: unknown key"
    if kind == "missing":
        return f"{location}: missing value"
    return f"{location}: {message}" if location else message


def parse_settings(data: object, environ: Mapping[str, str] | None = None) -> Settings:
    """Validate a config mapping (env overrides applied first); raise ConfigError listing all."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["the config file must be a mapping of keys to values"])
    tree: dict[str, Any] = dict(data)
    problems = apply_env_overrides(tree, os.environ if environ is None else environ)
    try:
        settings = Settings.model_validate(tree)
    except PydanticValidationError as exc:
        problems.extend(_format_error(e) for e in exc.errors())
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return settings


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError([f"{path}: malformed YAML{where}: {problem}"]) from None
    return parse_settings(data, environ)


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The effective config as plain data with every secret replaced by ``[REDACTED]``."""
    dumped: dict[str, Any] = settings.model_dump(mode="json")
    dumped["mongodb"]["uri"] = settings.redacted_mongodb_uri
    return dumped


# pocket.vault_address while the group vault does not exist yet: the zero address
PLACEHOLDER_VAULT = address_from_bytes(bytes(20))


def load_config_before_vault(path: Path) -> Settings:
    """The config; before the group vault exists ``pocket.vault_address`` may still be missing
    (it is then ``PLACEHOLDER_VAULT``, which no chain check accepts as a vault)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raw = None  # load_config reports it properly
    pocket = raw.get("pocket") if isinstance(raw, dict) else None
    environ = dict(os.environ)
    if isinstance(pocket, dict) and "vault_address" not in pocket:
        environ.setdefault("WPOKT_POCKET__VAULT_ADDRESS", PLACEHOLDER_VAULT)
    return load_config(path, environ)


def cluster_facts(settings: Settings) -> dict[str, Any]:
    """What every node of a cluster must agree on (the shared cluster config): chains,
    contracts, validators, vault, members, N and T. Node-local settings are left out."""
    eth, pocket = settings.ethereum, settings.pocket
    return {
        "cluster": {"nodes": settings.cluster.nodes, "threshold": settings.cluster.threshold},
        "ethereum": {
            "chain_id": eth.chain_id,
            "token": eth.token_address,
            "controller": eth.mint_controller_address,
            "validators": sorted(eth.validator_addresses),
            "start_block": eth.start_block,
            "stop_block": eth.stop_block,
        },
        "pocket": {
            "chain_id": pocket.chain_id,
            "vault": pocket.vault_address,
            "custody": str(pocket.custody),
            "members": sorted(pocket.member_public_keys),
            "start_height": pocket.start_height,
            "stop_height": pocket.stop_height,
            "retired_vaults": sorted(
                (v.address, v.threshold, sorted(v.member_public_keys), v.start_height)
                for v in pocket.retired_vaults
            ),
        },
    }


def cluster_facts_hash(settings: Settings) -> str:
    """sha256 (hex, first 16) of ``cluster_facts``: nodes that disagree show different ones."""
    canonical = json.dumps(cluster_facts(settings), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
