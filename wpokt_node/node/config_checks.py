"""``wpokt-node config check``: beyond the file's own validity, the endpoints it names must be
real (no placeholder left from the example) and, unless ``--offline``, answer as the chains and
the database the config says they are."""

from __future__ import annotations

from wpokt_node.config import Settings, redact_uri
from wpokt_node.db.client import connect
from wpokt_node.errors import WpoktError
from wpokt_node.eth.client import EthClient, RetryPolicy
from wpokt_node.pokt.client import PocketClient

# Left over from deploy/config.example.yaml or a template: never a real endpoint.
PLACEHOLDERS = ("change-me", "changeme", "replace-me", "example.com", ".example", "<", ">", "…")
PROBE_TIMEOUT_S = 5.0


def placeholder_problems(settings: Settings) -> list[str]:
    endpoints = {
        "mongodb.uri": settings.mongodb.uri.get_secret_value(),
        "ethereum.rpc_url": settings.ethereum.rpc_url,
        "pocket.rest_url": settings.pocket.rest_url,
    }
    return [
        f"{name} looks like a placeholder: {redact_uri(value)}"
        for name, value in endpoints.items()
        if any(marker in value.lower() for marker in PLACEHOLDERS)
    ]


def reachability_problems(settings: Settings) -> list[str]:
    """Each endpoint answers, and is the chain or database the config names."""
    problems: list[str] = []
    try:
        eth = EthClient(
            settings.ethereum.rpc_url, timeout_s=PROBE_TIMEOUT_S, retry=RetryPolicy(attempts=1)
        )
        chain_id = eth.chain_id()
        if chain_id != settings.ethereum.chain_id:
            problems.append(
                f"ethereum.rpc_url is chain {chain_id}, not {settings.ethereum.chain_id}"
            )
    except (WpoktError, OSError, ValueError) as exc:
        problems.append(f"ethereum.rpc_url does not answer: {exc}")
    try:
        pokt = PocketClient(settings.pocket.rest_url, timeout_s=PROBE_TIMEOUT_S, retries=0)
        pokt_chain = pokt.chain_id()
        if pokt_chain != settings.pocket.chain_id:
            problems.append(
                f"pocket.rest_url is chain {pokt_chain!r}, not {settings.pocket.chain_id!r}"
            )
    except (WpoktError, OSError, ValueError) as exc:
        problems.append(f"pocket.rest_url does not answer: {exc}")
    try:
        db = connect(
            settings.mongodb.uri.get_secret_value(), settings.mongodb.database, timeout_ms=3000
        )
        db.client.close()
    except WpoktError as exc:
        problems.append(f"mongodb.uri does not answer: {exc}")
    return problems
