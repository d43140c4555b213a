"""The settings, section by section, with every default in one place."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator

from wpokt_node.config.copper import CopperSettings, MintCustody
from wpokt_node.config.operations import (
    MetricsSettings,
    RotationSettings,
    SupplySettings,
    WebhookSettings,
)
from wpokt_node.config.types import (
    BaseUnits,
    EthAddress,
    Network,
    NodeId,
    PoktAddress,
    PositiveSeconds,
    PubKeyHex,
    StrictModel,
    redact_uri,
)


class ClusterSettings(StrictModel):
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


class MongoSettings(StrictModel):
    uri: SecretStr = Field(description="MongoDB connection string (may hold a password)")
    database: str = Field("wpokt", min_length=1, max_length=60)
    timeout_ms: int = Field(5000, ge=100, le=120_000, description="server selection timeout")
    frontend_database: str | None = Field(
        None,
        min_length=1,
        max_length=60,
        description="the deployed frontend's database (its MONGODB_DATABASE): the watchers keep "
        "its mints, invalidMints, burns and healthchecks current; unset: no frontend view",
    )

    @model_validator(mode="after")
    def _view_apart(self) -> MongoSettings:
        if self.frontend_database == self.database:
            raise ValueError("mongodb.frontend_database must differ from mongodb.database")
        return self


class EthereumSettings(StrictModel):
    rpc_url: str = Field(min_length=1)
    chain_id: int = Field(ge=1)
    token_address: EthAddress
    mint_controller_address: EthAddress
    validator_addresses: list[EthAddress] = Field(
        description="the N MintController validators (EIP-712 signers), one per node"
    )
    custody: MintCustody = Field(
        MintCustody.MULTISIG,
        description="who mints: the validators through the MintController, or a Copper vault",
    )
    confirmations: int | Literal["finalized"] = Field(
        12, description="blocks of depth, or 'finalized' to use the finalized block tag"
    )
    start_block: int = Field(0, ge=0)
    admin_address: EthAddress | None = Field(
        None,
        description="the only holder of the token's DEFAULT_ADMIN_ROLE (it sets validators and "
        "threshold): a timelock contract on any network but devnet",
    )
    roles_from_block: int | None = Field(
        None, ge=0, description="the token's deployment block: its role history starts there"
    )
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
    max_fee_per_gas_wei: int | None = Field(
        1_000 * 10**9,
        ge=1,
        description="no mint tx offers a higher EIP-1559 max fee (null: no cap); a gas spike "
        "above it holds mints, visibly, instead of draining the gas accounts",
    )
    gas_escalate_after_s: PositiveSeconds = Field(
        180.0, description="a mint tx pending this long is replaced with higher fees"
    )
    gas_bump_percent: int = Field(
        25, ge=10, le=1000, description="a replacement raises both fees by at least this"
    )
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
    COPPER = "copper"  # a Copper vault's Pocket wallet: payouts are Copper orders (docs/copper.md)


class GroupVaultSettings(StrictModel):
    voting_period_s: int = Field(86_400, ge=1, le=30 * 86_400)
    min_payout_upokt: BaseUnits = Field(
        1_000_000, description="smaller burns and refunds are not paid (members pay the fees)"
    )
    resend_after_s: PositiveSeconds = Field(
        30.0, description="a proposal or MsgExec not seen on chain by then is sent again"
    )


class RetiredVaultSettings(StrictModel):
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


class PocketSettings(StrictModel):
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


class KeySettings(StrictModel):
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


class KeysSettings(StrictModel):
    eth_signer: KeySettings = Field(description="signs EIP-712 MintData")
    pokt_signer: KeySettings = Field(description="this node's vault member key")
    eth_gas: KeySettings = Field(description="pays gas to submit mintWrappedPocket")


class WorkerSettings(StrictModel):
    interval_s: PositiveSeconds = 5.0
    batch_size: int = Field(100, ge=1, le=10_000)


class WorkersSettings(StrictModel):
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
    heartbeat_interval_s: PositiveSeconds = Field(
        15.0,
        description="how often a worker writes its heartbeat (at once when its errors or hold "
        "change); at most half of heartbeat_stale_s",
    )
    lease_ttl_s: PositiveSeconds = 30.0
    idle_recheck_s: PositiveSeconds = Field(
        60.0,
        description="an executor whose last pass found no open entry reads the database again "
        "at once when this node's watchers meet an entry, else after this long",
    )
    governance_interval_s: PositiveSeconds = Field(
        60.0,
        description="how often the governance watch re-reads the chains' validators, "
        "threshold, vault members and roles",
    )

    @model_validator(mode="after")
    def _beats_before_stale(self) -> WorkersSettings:
        if 2 * self.heartbeat_interval_s > self.heartbeat_stale_s:
            raise ValueError(
                f"heartbeat_interval_s ({self.heartbeat_interval_s}) is more than half of "
                f"heartbeat_stale_s ({self.heartbeat_stale_s}): a healthy worker would look stale"
            )
        return self


class CapsSettings(StrictModel):
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


class Settings(StrictModel):
    node_id: NodeId
    network: Network = Network.DEVNET
    cluster: ClusterSettings = ClusterSettings()
    mongodb: MongoSettings
    ethereum: EthereumSettings
    pocket: PocketSettings
    keys: KeysSettings
    workers: WorkersSettings = WorkersSettings()
    caps: CapsSettings = CapsSettings()
    metrics: MetricsSettings = MetricsSettings()
    supply: SupplySettings = SupplySettings()
    rotation: RotationSettings | None = None
    copper: CopperSettings | None = Field(
        None, description="the Copper account; required when a chain's custody is copper"
    )
    webhooks: WebhookSettings = WebhookSettings()
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
            self._outside_devnet_checks()
        self._copper_checks()
        if self.rotation is not None:
            self._rotation_checks(self.rotation)
        return self

    def uses_copper(self) -> bool:
        return (
            self.pocket.custody is PocketCustody.COPPER
            or self.ethereum.custody is MintCustody.COPPER
        )

    def minter_address(self) -> str:
        """Who mints wPOKT, and alone holds the token's MINTER_ROLE: the MintController, or
        with Copper mints the Copper vault's Ethereum address."""
        copper = self.copper
        if self.ethereum.custody is MintCustody.COPPER and copper and copper.eth_vault_address:
            return copper.eth_vault_address
        return self.ethereum.mint_controller_address

    def _copper_checks(self) -> None:
        if not self.uses_copper():
            return
        if self.copper is None:
            raise ValueError("a chain's custody is copper but the 'copper' section is missing")
        if self.ethereum.custody is MintCustody.COPPER and self.copper.eth_vault_address is None:
            raise ValueError(
                "ethereum.custody is copper: copper.eth_vault_address (the minter) is required"
            )
        if self.rotation is not None:
            raise ValueError("a key rotation does not apply to Copper custody (Copper's shards)")

    def _rotation_checks(self, rotation: RotationSettings) -> None:
        pairs = [
            ("eth_signer", rotation.eth_signer, self.ethereum.validator_addresses,
             "ethereum.validator_addresses"),
            ("pokt_signer", rotation.pokt_signer, self.pocket.member_public_keys,
             "pocket.member_public_keys"),
        ]  # fmt: skip
        for name, pair, keys, where in pairs:
            if pair is None:
                continue
            if pair.old not in keys:
                raise ValueError(f"rotation.{name}.old is not in {where}")
            if pair.new in keys:
                raise ValueError(f"rotation.{name}.new is already in {where}")
        if rotation.pokt_signer is not None and self.pocket.custody is PocketCustody.MULTISIG:
            raise ValueError(
                "rotation.pokt_signer needs the group vault: a multisig vault's address is "
                "derived from its keys, so a new key is a new vault"
            )

    def rotated(self) -> Settings:
        """These settings once the rotation is done: the new keys in the old ones' places."""
        rotation = self.rotation
        if rotation is None:
            return self
        validators = list(self.ethereum.validator_addresses)
        members = list(self.pocket.member_public_keys)
        if rotation.eth_signer is not None:
            index = validators.index(rotation.eth_signer.old)
            validators[index] = rotation.eth_signer.new
        if rotation.pokt_signer is not None:
            members[members.index(rotation.pokt_signer.old)] = rotation.pokt_signer.new
        return self.model_copy(
            update={
                "ethereum": self.ethereum.model_copy(update={"validator_addresses": validators}),
                "pocket": self.pocket.model_copy(update={"member_public_keys": members}),
                "rotation": None,
            }
        )

    def accepted_validators(self) -> list[str]:
        """Whose MintData signatures count: the config's validators and a rotation's new one."""
        rotation = self.rotation
        extra = [rotation.eth_signer.new] if rotation and rotation.eth_signer else []
        return [*self.ethereum.validator_addresses, *extra]

    def accepted_members(self) -> list[str]:
        """The vault member keys a node may run with: the config's and a rotation's new one."""
        rotation = self.rotation
        extra = [rotation.pokt_signer.new] if rotation and rotation.pokt_signer else []
        return [*self.pocket.member_public_keys, *extra]

    def _outside_devnet_checks(self) -> None:
        for field in ("admin_address", "roles_from_block"):
            if getattr(self.ethereum, field) is None:
                raise ValueError(
                    f"ethereum.{field} is required when network is not 'devnet': the "
                    "governance watch checks who may change the validator set or mint"
                )
        for name in ("eth_signer", "pokt_signer", "eth_gas"):
            key: KeySettings = getattr(self.keys, name)
            if key.source is KeySource.ENV:
                raise ValueError(
                    f"keys.{name}: source 'env' (raw key in the environment) is only "
                    f"allowed when network is 'devnet'"
                )

    @property
    def redacted_mongodb_uri(self) -> str:
        return redact_uri(self.mongodb.uri.get_secret_value())
