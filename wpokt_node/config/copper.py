"""The Copper section of the settings: the platform account, this node's co-signer (CUO) and
its shard, for the chains whose custody is ``copper`` (docs/copper.md)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from wpokt_node.config.types import BaseUnits, EthAddress, PositiveSeconds, StrictModel

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class MintCustody(StrEnum):
    MULTISIG = "multisig"  # EIP-712 MintData signed by the validators, MintController executes
    COPPER = "copper"  # a Copper smart-call order; the Copper vault's address is the minter


class SecretSource(StrictModel):
    """Where a secret comes from: a file only this user can read, or an environment variable.
    The secret itself is never in the config."""

    file: Path | None = None
    env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretSource:
        if (self.file is None) == (self.env is None):
            raise ValueError("a secret needs exactly one of 'file', 'env'")
        return self


class CopperSettings(StrictModel):
    api_url: str = Field(
        "https://api.copper.co",
        pattern=r"^https?://[^/@\s]+$",
        description="the platform's base URL; requests go to <api_url>/platform/...",
    )
    portfolio_id: str = Field(min_length=1, max_length=128, description="the vault's portfolio")
    api_key: SecretSource = Field(description="this node's platform API key")
    api_secret: SecretSource = Field(description="its API secret (HMAC key of every request)")
    cuo_url: str = Field(
        "http://127.0.0.1:3010",
        pattern=r"^https?://([^/@\s:]+|\[[0-9a-fA-F:]+\])(:\d{1,5})?$",
        description="this node's Copper Unlimited Online container",
    )
    key_filename: str = Field(
        pattern=r"^[A-Za-z0-9._-]{1,200}$",
        description="this node's exported shard, as CUO names it under /app/keys/",
    )
    key_password: SecretSource = Field(description="the password the shard was exported with")
    pokt_currency: str = Field("POKT", min_length=1, max_length=20)
    eth_currency: str = Field("ETH", min_length=1, max_length=20)
    eth_vault_address: EthAddress | None = Field(
        None,
        description="the Copper vault's Ethereum address: it holds the token's MINTER_ROLE and "
        "calls mint (needed when ethereum.custody is copper)",
    )
    min_payout_upokt: BaseUnits = Field(
        1_000_000, description="smaller burns and refunds are not paid (the vault pays fees)"
    )
    request_timeout_s: PositiveSeconds = 10.0
    attempts: int = Field(3, ge=1, le=10, description="tries of one platform or CUO call")
    sign_timeout_s: PositiveSeconds = Field(
        120.0, description="longest wait for this node's CUO to finish one signature"
    )
    sign_poll_s: PositiveSeconds = Field(0.5, description="how often CUO's status is read")

    @model_validator(mode="after")
    def _cuo_on_loopback_or_tls(self) -> CopperSettings:
        host = urlsplit(self.cuo_url).hostname or ""
        if self.cuo_url.startswith("http://") and host not in _LOOPBACK:
            raise ValueError(
                "copper.cuo_url: plain http only to this host (127.0.0.1, localhost, ::1): "
                "the node sends CUO its shard password and API secret"
            )
        return self
