"""The operations sections of the settings: metrics, the supply monitor, a key rotation,
webhooks."""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from wpokt_node.config.types import (
    BaseUnits,
    EthAddress,
    PositiveSeconds,
    PubKeyHex,
    StrictModel,
)


class MetricsSettings(StrictModel):
    pushgateway_url: str | None = Field(
        None,
        pattern=r"^https?://[^/@\s]+(/\S*)?$",
        description="Prometheus Pushgateway each worker pushes its metrics to (outbound only; "
        "no credentials in the URL: reach it over a private network); unset: no metrics",
    )
    job: str = Field("wpokt-node", pattern=r"^[A-Za-z0-9_-]{1,60}$")
    push_interval_s: PositiveSeconds = Field(15.0, description="how often each worker pushes")
    push_timeout_s: PositiveSeconds = Field(5.0, description="one push gives up after this")
    sample_interval_s: PositiveSeconds = Field(
        30.0, description="how often a worker reads the gauges that cost a query or an RPC"
    )


class SupplySettings(StrictModel):
    """The supply monitor (run by the pokt-watcher): wPOKT ``totalSupply`` must never exceed
    what the vaults hold."""

    interval_s: PositiveSeconds = 60.0
    tolerance_upokt: BaseUnits = Field(
        0, description="shortfall accepted before a breach (e.g. the fees of a migration sweep)"
    )
    pause_on_breach: bool = Field(
        True, description="a breach seen twice in a row pauses the whole bridge, with evidence"
    )


class EthSignerRotation(StrictModel):
    old: EthAddress
    new: EthAddress


class PoktSignerRotation(StrictModel):
    old: PubKeyHex
    new: PubKeyHex


class RotationSettings(StrictModel):
    """One node's signing keys being replaced while the others keep bridging: while it is set,
    every node accepts the chains' governance with the old key or with the new one in its place
    (and, on Ethereum, with both while the admin adds one and removes the other), and counts
    signatures of either. The same section goes into every node's config
    (docs/runbooks/rotate-node-key.md)."""

    eth_signer: EthSignerRotation | None = None
    pokt_signer: PoktSignerRotation | None = None


class WebhookSettings(StrictModel):
    """Signed POSTs of every entry status change (the shared ``audit`` log) to the operator's
    own endpoints: a chat alert, a frontend. Outbound only; never blocks a worker."""

    urls: list[str] = Field(
        default_factory=list,
        description="endpoints (http or https, no credentials in the URL); empty: no webhooks",
    )
    secret_env: str | None = Field(
        None, description="environment variable holding the HMAC-SHA256 secret of the posts"
    )
    timeout_s: PositiveSeconds = 5.0
    attempts: int = Field(5, ge=1, le=20, description="tries per post, with backoff")
    queue_size: int = Field(1000, ge=1, le=100_000, description="posts waiting; beyond: dropped")

    @model_validator(mode="after")
    def _valid(self) -> WebhookSettings:
        for url in self.urls:
            if not re.fullmatch(r"https?://[^/@\s]+(/\S*)?", url):
                raise ValueError(
                    f"webhooks.urls: {url!r} is not an http(s) URL without credentials"
                )
        if self.urls and not self.secret_env:
            raise ValueError(
                "webhooks.secret_env is required with webhooks.urls (posts are signed)"
            )
        return self
