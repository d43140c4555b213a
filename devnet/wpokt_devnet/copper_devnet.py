"""A devnet whose vault is a (simulated) Copper vault: both chains' payouts are Copper orders
co-signed through each node's CUO (``--custody copper``; docs/copper.md).

Builds the Copper side of a devnet: the vault's Pocket and Ethereum accounts (the Ethereum one
becomes the token's only minter), one API key and one password-encrypted shard per node, the
simulator's config, and each node's ``copper`` config section with its secrets in 0600 files.
Devnet keys only; never use them for real funds.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from wpokt_devnet.copper_sim.shards import (
    new_copper_credentials,
    shard_file_name,
    write_node_shards,
)
from wpokt_devnet.deploy import admin_calls
from wpokt_devnet.mongo import free_port
from wpokt_devnet.processes import Service, spawn, write_private
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import MINTER_ROLE, TokenContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of

COPPER = "copper"
PORTFOLIO = "wpokt-devnet-vault"
GAS_BALANCE_WEI = 100 * 10**18
SIM_GAS_LIMIT = 300_000


def copper_keys() -> dict[str, str]:
    """The Copper vault's two accounts and the seed of the nodes' Copper credentials."""
    return {
        "pokt_vault": "0x" + secrets.token_bytes(32).hex(),
        "eth_vault": "0x" + secrets.token_bytes(32).hex(),
        "seed": secrets.token_hex(16),
    }


def copper_addresses(keys: Mapping[str, Any]) -> dict[str, str]:
    copper = keys["copper"]
    return {
        "vault": pokt_address_of(LocalKeySigner.from_hex(copper["pokt_vault"]).public_key),
        "copper_eth_vault": eth_address_of(LocalKeySigner.from_hex(copper["eth_vault"]).public_key),
    }


def make_copper_the_minter(eth_url: str, admin: LocalKeySigner, facts: Mapping[str, Any]) -> None:
    """Fund the Copper vault's Ethereum account for gas, grant it MINTER_ROLE and take the role
    from the MintController: with Copper custody the vault is the token's only minter."""
    eth = EthClient(eth_url)
    minter = str(facts["copper_eth_vault"])
    eth.request("anvil_setBalance", [minter, hex(GAS_BALANCE_WEI)])
    token = TokenContract(eth, str(facts["token"]))
    sender = TransactionSender(eth, admin, eth.chain_id())
    admin_calls(
        sender,
        [
            (token.address, token.encode("grantRole", MINTER_ROLE, minter)),
            (token.address, token.encode("revokeRole", MINTER_ROLE, str(facts["controller"]))),
        ],
    )


def start_copper_sim(
    directory: Path,
    keys: Mapping[str, Any],
    node_ids: list[str],
    *,
    threshold: int,
    pokt_url: str,
    eth_url: str,
    fee_upokt: int,
) -> tuple[Service, dict[str, Any]]:
    """Write every node's shard and the simulator's config, start it detached, and wait until
    its platform answers. Returns the service and the facts the node configs need."""
    copper = keys["copper"]
    api_keys, shards = new_copper_credentials(node_ids, copper["seed"])
    shard_dirs = write_node_shards(directory / "copper" / "shards", shards)
    platform_port = free_port()
    cuo_ports = {node_id: free_port() for node_id in node_ids}
    config = {
        "portfolio_id": PORTFOLIO,
        "threshold": threshold,
        "api_keys": dict(api_keys.values()),
        "shards": {shard_id: secret.hex() for shard_id, secret, _ in shards.values()},
        "cuo": [
            {"node_id": n, "port": cuo_ports[n], "keys_dir": str(shard_dirs[n])} for n in node_ids
        ],
        "platform_port": platform_port,
        "max_skew_ms": 30_000,
        "pocket": {
            "rest_url": pokt_url,
            "chain_id": "pocket",
            "vault_key_hex": copper["pokt_vault"],
            "fee_upokt": fee_upokt,
            "gas": 200_000,
            "denom": "upokt",
        },
        "ethereum": {
            "rpc_url": eth_url,
            "chain_id": 31337,
            "vault_key_hex": copper["eth_vault"],
            "gas_limit": SIM_GAS_LIMIT,
        },
    }
    config_path = directory / "copper" / "copper-sim.json"
    _write_private(config_path, json.dumps(config, indent=2))
    argv = [sys.executable, "-m", "wpokt_devnet.copper_sim", "--config", str(config_path)]
    service = spawn("copper-sim", argv, directory / "logs" / "copper-sim.log")
    platform_url = f"http://127.0.0.1:{platform_port}"
    facts = {
        "copper_platform_url": platform_url,
        "copper_cuo_urls": {n: f"http://127.0.0.1:{p}" for n, p in cuo_ports.items()},
        "copper_portfolio": PORTFOLIO,
        "copper_key_filenames": {n: shard_file_name(shards[n][0]) for n in node_ids},
    }
    for node_id in node_ids:
        key, secret = api_keys[node_id]
        secrets_dir = copper_secrets_dir(directory / "nodes" / node_id / "keys")
        _write_private(secrets_dir / "api-key", key + "\n")
        _write_private(secrets_dir / "api-secret", secret + "\n")
        _write_private(secrets_dir / "key-password", shards[node_id][2] + "\n")
    return service, facts


def copper_secrets_dir(keys_dir: Path) -> Path:
    """Where a node's Copper secrets live: beside its keystores."""
    return keys_dir / "copper"


def copper_ready(platform_url: str) -> bool:
    try:
        return requests.get(platform_url + "/_sim/stats", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def copper_section(
    keys_dir: Path, node_id: str, facts: Mapping[str, Any], min_payout_upokt: int
) -> dict[str, Any]:
    """The node's ``copper`` config: its API key, secret and shard password by file."""
    secrets_dir = copper_secrets_dir(keys_dir)
    return {
        "api_url": facts["copper_platform_url"],
        "portfolio_id": facts["copper_portfolio"],
        "api_key": {"file": str(secrets_dir / "api-key")},
        "api_secret": {"file": str(secrets_dir / "api-secret")},
        "cuo_url": facts["copper_cuo_urls"][node_id],
        "key_filename": facts["copper_key_filenames"][node_id],
        "key_password": {"file": str(secrets_dir / "key-password")},
        "eth_vault_address": facts["copper_eth_vault"],
        "min_payout_upokt": min_payout_upokt,
        "request_timeout_s": 5,
        "sign_timeout_s": 30,
        "sign_poll_s": 0.2,
    }


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, text)
