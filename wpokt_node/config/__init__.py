"""Typed node settings: one YAML file plus ``WPOKT_*`` environment overrides (environment wins).

Nested keys are joined with a double underscore: ``WPOKT_ETHEREUM__RPC_URL`` overrides
``ethereum.rpc_url``. Every default lives in ``models``, in one place. ``load_config`` raises
``ConfigError`` with one line per problem; secrets are ``SecretStr`` and never printed.
"""

from wpokt_node.config.copper import CopperSettings, MintCustody, SecretSource
from wpokt_node.config.loading import (
    ENV_NESTING,
    ENV_PREFIX,
    PLACEHOLDER_VAULT,
    apply_env_overrides,
    load_config,
    load_config_before_vault,
    parse_settings,
    redacted_dump,
)
from wpokt_node.config.models import (
    CapsSettings,
    ClusterSettings,
    EthereumSettings,
    GroupVaultSettings,
    KeySettings,
    KeySource,
    KeysSettings,
    MongoSettings,
    PocketCustody,
    PocketSettings,
    RetiredVaultSettings,
    Settings,
    WorkerSettings,
    WorkersSettings,
)
from wpokt_node.config.operations import (
    EthSignerRotation,
    MetricsSettings,
    PoktSignerRotation,
    RotationSettings,
    SupplySettings,
    WebhookSettings,
)
from wpokt_node.config.types import (
    BaseUnits,
    EthAddress,
    Network,
    PoktAddress,
    PositiveSeconds,
    PubKeyHex,
    redact_uri,
)

__all__ = [
    "ENV_NESTING",
    "ENV_PREFIX",
    "PLACEHOLDER_VAULT",
    "BaseUnits",
    "CapsSettings",
    "ClusterSettings",
    "CopperSettings",
    "EthAddress",
    "EthSignerRotation",
    "EthereumSettings",
    "GroupVaultSettings",
    "KeySettings",
    "KeySource",
    "KeysSettings",
    "MetricsSettings",
    "MintCustody",
    "MongoSettings",
    "Network",
    "PocketCustody",
    "PocketSettings",
    "PoktAddress",
    "PoktSignerRotation",
    "PositiveSeconds",
    "PubKeyHex",
    "RetiredVaultSettings",
    "RotationSettings",
    "SecretSource",
    "Settings",
    "SupplySettings",
    "WebhookSettings",
    "WorkerSettings",
    "WorkersSettings",
    "apply_env_overrides",
    "load_config",
    "load_config_before_vault",
    "parse_settings",
    "redact_uri",
    "redacted_dump",
]
