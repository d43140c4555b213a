"""What a devnet cluster is made of: options, keys, keystores, node configs, contracts and the
Pocket genesis. Shared by ``devnet up`` (``cluster``: local processes) and ``devnet setup``
(``setup``: the compose cluster's one-shot); nothing here starts or stops a process.

Keys are devnet keys; never use them for real funds.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from wpokt_devnet.copper_devnet import copper_addresses, copper_section, make_copper_the_minter
from wpokt_devnet.deploy import PROFILES, PROJECT, deploy_contracts, set_mint_fee
from wpokt_devnet.processes import write_private
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.kdf import MIN_MEMORY_KIB, MIN_TIME_COST, KdfParams
from wpokt_node.keys.keystore import KEY_PURPOSES, create_keystore
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_vault import create_group_vault
from wpokt_node.pokt.member_tx import MemberAccount
from wpokt_node.pokt.multisig import vault_address
from wpokt_node.secret import Secret

ETH_CHAIN_ID = 31337
POKT_CHAIN_ID = "pocket"
# Devnet keystores use the cheapest accepted KDF: a dozen nodes start at once on one machine.
DEVNET_KDF = KdfParams(time_cost=MIN_TIME_COST, memory_kib=MIN_MEMORY_KIB, parallelism=1)
USER_POKT_BALANCE = 1_000_000 * 10**6  # 1,000,000 POKT
MEMBER_POKT_BALANCE = 10_000 * 10**6  # each member account pays its own vote and exec fees
GAS_BALANCE_WEI = 100 * 10**18
MAINNET_TX_SIG_LIMIT = 7  # pokt-network/pocket-network-genesis shannon/mainnet/genesis.json
GROUP, MULTISIG, COPPER = "group", "multisig", "copper"
MAX_MINT_FEE_BP = 300  # the token's MAX_FEE_BASIS (3 %)


@dataclass(frozen=True, slots=True)
class DevnetOptions:
    nodes: int = 12
    threshold: int = 9
    eth_block_time_s: float = 1.0
    pokt_block_time_s: float = 1.0
    worker_interval_s: float = 1.0
    heartbeat_interval_s: float = 2.0  # the tests wait for passes, which heartbeats report
    idle_recheck_s: float = 10.0  # the tests write entries no watcher meets (a forger's)
    eth_confirmations: int = 2
    pokt_confirmations: int = 1
    fee_upokt: int = 10_000
    max_deposit_upokt: int | None = None
    mongodb_uri: str | None = None
    database: str = "wpokt"
    healthy_timeout_s: float = 240.0
    custody: str = GROUP  # the vault: an x/group policy, a legacy multisig (N <= 7), or Copper
    voting_period_s: int = 600
    min_payout_upokt: int = 1_000_000
    tx_sig_limit: int = MAINNET_TX_SIG_LIMIT
    rescan_interval_s: float = 10.0  # deleted or shadowed entries are found again this often
    contracts: str = PROJECT  # the Ethereum contracts: the project's, or the production profile
    mint_fee_bp: int = 0  # the token's mint fee in basis points (0: off)
    frontend_view: bool = True  # the nodes keep the deployed frontend's view (docs/frontend.md)
    metrics: bool = False  # a Pushgateway and Prometheus receive the nodes' metrics

    def check(self) -> None:
        """Refuse what the chain would refuse: a multisig vault with more keys than the limit."""
        if self.contracts not in PROFILES:
            raise ValueError(f"contracts must be one of {PROFILES}, not {self.contracts!r}")
        if not 0 <= self.mint_fee_bp <= MAX_MINT_FEE_BP:
            raise ValueError(f"the mint fee is 0 to {MAX_MINT_FEE_BP} basis points")
        if self.custody not in (GROUP, MULTISIG, COPPER):
            raise ValueError(
                f"custody must be {GROUP!r}, {MULTISIG!r} or {COPPER!r}, not {self.custody!r}"
            )
        if self.custody == MULTISIG and self.nodes > self.tx_sig_limit:
            raise ValueError(
                f"a {self.nodes}-key multisig vault can never pay out at tx_sig_limit "
                f"{self.tx_sig_limit} (mainnet's): the chain counts every key of a multisig. "
                f"Use the group vault (--custody group, the default) for more than "
                f"{self.tx_sig_limit} nodes"
            )


def _new_key() -> str:
    return "0x" + secrets.token_bytes(32).hex()


def generate_keys(node_ids: list[str]) -> dict[str, Any]:
    """Every devnet key, also the Copper vault's accounts and the seed of the nodes' Copper
    credentials (used only by a ``--custody copper`` devnet)."""
    return {
        "copper": {"pokt_vault": _new_key(), "eth_vault": _new_key(), "seed": _new_key()[2:34]},
        "admin": _new_key(),
        "eth_user": _new_key(),
        "pokt_user": _new_key(),
        "nodes": {
            node_id: {"eth_signer": _new_key(), "pokt_signer": _new_key(), "eth_gas": _new_key()}
            for node_id in node_ids
        },
    }


def _signer(hex_key: str) -> LocalKeySigner:
    return LocalKeySigner.from_hex(hex_key)


def keystore_section(keys_dir: Path) -> dict[str, Any]:
    """``keys`` config naming the three keystores in ``keys_dir`` (as the node sees them)."""
    return {
        purpose: {
            "source": "keystore",
            "path": str(keys_dir / f"{purpose}.json"),
            "password_file": str(keys_dir / "password"),
        }
        for purpose in KEY_PURPOSES
    }


def write_keystores(keys_dir: Path, node_id: str, raw_keys: Mapping[str, Any]) -> None:
    """Encrypt one node's three hex keys into ``keys_dir`` with a fresh random password."""
    section = keystore_section(keys_dir)
    keys_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    write_private(Path(section["eth_signer"]["password_file"]), password + "\n")
    for purpose in KEY_PURPOSES:
        path = Path(section[purpose]["path"])
        key = bytearray.fromhex(str(raw_keys[purpose]).removeprefix("0x"))
        try:
            create_keystore(
                path,
                key,
                password=Secret(password),
                node_id=node_id,
                purpose=purpose,
                kdf=DEVNET_KDF,
                force=True,
            )
        finally:
            key[:] = bytes(len(key))


@dataclass(frozen=True, slots=True)
class NodeEndpoints:
    """What a node connects to and where its files are, as the node itself sees them."""

    mongodb_uri: str
    database: str
    eth_url: str
    pokt_url: str
    keys_dir: Path
    journal_path: Path
    pushgateway_url: str | None = None


def frontend_database(database: str) -> str:
    """Where the devnet's nodes keep the frontend view (the frontend's ``MONGODB_DATABASE``)."""
    return f"{database}_frontend"


def node_settings(
    node_id: str, options: DevnetOptions, facts: Mapping[str, Any], endpoints: NodeEndpoints
) -> dict[str, Any]:
    """One node's config (as a dict ready for YAML) for a cluster set up with ``facts``."""
    interval = {"interval_s": options.worker_interval_s}
    caps: dict[str, Any] = {}
    if options.max_deposit_upokt is not None:
        caps["max_deposit_upokt"] = options.max_deposit_upokt
    return {
        "node_id": node_id,
        "network": "devnet",
        "cluster": {"nodes": options.nodes, "threshold": options.threshold},
        "mongodb": {
            "uri": endpoints.mongodb_uri,
            "database": endpoints.database,
            **(
                {"frontend_database": frontend_database(endpoints.database)}
                if options.frontend_view
                else {}
            ),
        },
        "ethereum": {
            "rpc_url": endpoints.eth_url,
            "chain_id": ETH_CHAIN_ID,
            "token_address": facts["token"],
            "mint_controller_address": facts["controller"],
            "validator_addresses": facts["validators"],
            "confirmations": options.eth_confirmations,
            "start_block": facts["deploy_block"],
            "admin_address": facts["admin"],
            "roles_from_block": facts["deploy_block"],
            "reorg_margin": 8,
            "rescan_interval_s": options.rescan_interval_s,
            "custody": "copper" if options.custody == COPPER else "multisig",
        },
        "pocket": {
            "rest_url": endpoints.pokt_url,
            "chain_id": POKT_CHAIN_ID,
            "vault_address": facts["vault"],
            "member_public_keys": facts["members"],
            "confirmations": options.pokt_confirmations,
            "start_height": 1,
            "fee_upokt": options.fee_upokt,
            "rescan_interval_s": options.rescan_interval_s,
            "custody": options.custody,
            "group": {
                "voting_period_s": options.voting_period_s,
                "min_payout_upokt": options.min_payout_upokt,
                "resend_after_s": 10,
            },
        },
        "keys": keystore_section(endpoints.keys_dir),
        **(
            {"copper": copper_section(endpoints.keys_dir, node_id, facts, options.min_payout_upokt)}
            if options.custody == COPPER
            else {}
        ),
        "workers": {
            "pokt_watcher": interval,
            "mint_executor": interval,
            "burn_watcher": interval,
            "release_executor": interval,
            "heartbeat_stale_s": 30,
            "heartbeat_interval_s": options.heartbeat_interval_s,
            "idle_recheck_s": options.idle_recheck_s,
            "lease_ttl_s": 10,
            "governance_interval_s": 5,
        },
        "caps": caps,
        "supply": {"interval_s": 5},
        **(
            {
                "metrics": {
                    "pushgateway_url": endpoints.pushgateway_url,
                    "push_interval_s": 5,
                    "sample_interval_s": 5,
                }
            }
            if endpoints.pushgateway_url
            else {}
        ),
        "journal_path": str(endpoints.journal_path),
    }


def deploy_cluster_contracts(
    eth_url: str,
    keys: Mapping[str, Any],
    node_ids: list[str],
    options: DevnetOptions,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Fund the gas payers and test user on anvil, deploy the contracts with the nodes'
    validators, and derive the T-of-N multisig: the facts every node config is built from (a
    group vault's address is known only once the chain has created it)."""
    node_keys = keys["nodes"]
    validators = [eth_address_of(_signer(node_keys[n]["eth_signer"]).public_key) for n in node_ids]
    member_signers = [_signer(node_keys[n]["pokt_signer"]) for n in node_ids]
    members = [signer.public_key.hex() for signer in member_signers]
    vault = vault_address(options.threshold, members) if options.custody == MULTISIG else None
    copper = copper_addresses(keys) if options.custody == COPPER else {}

    eth = EthClient(eth_url)
    admin = _signer(keys["admin"])
    eth_user = eth_address_of(_signer(keys["eth_user"]).public_key)
    gas_payers = [eth_address_of(_signer(node_keys[n]["eth_gas"]).public_key) for n in node_ids]
    for address in [eth_address_of(admin.public_key), eth_user, *gas_payers]:
        eth.request("anvil_setBalance", [address, hex(GAS_BALANCE_WEI)])
    deployment = deploy_contracts(
        eth, admin, validators, options.threshold, profile=options.contracts
    )
    admin_address = eth_address_of(admin.public_key)
    if options.mint_fee_bp:
        set_mint_fee(eth, admin, deployment.token, options.mint_fee_bp, admin_address)
    say(f"contracts deployed: wPOKT {deployment.token}, MintController {deployment.controller}")
    if copper:
        facts = {"token": deployment.token, "controller": deployment.controller, **copper}
        make_copper_the_minter(eth_url, admin, facts)
        say(f"the Copper vault {copper['copper_eth_vault']} is the token's only minter")
        vault = copper["vault"]
    return {
        **copper,
        "token": deployment.token,
        "controller": deployment.controller,
        "deploy_block": deployment.deploy_block,
        "contracts": deployment.profile,
        "admin": admin_address,  # also the collector of the mint fee, when it is on
        "validators": validators,
        "members": members,
        "member_accounts": [pokt_address_of(signer.public_key) for signer in member_signers],
        "vault": vault,
        "eth_user": eth_user,
        "pokt_user": pokt_address_of(_signer(keys["pokt_user"]).public_key),
    }


def pokt_genesis(
    options: DevnetOptions, facts: Mapping[str, Any], state_file: Path
) -> dict[str, Any]:
    """The Pocket simulator's genesis: mainnet's tx_sig_limit, the funded test user, and the
    member accounts funded for their fees."""
    accounts = [{"address": facts["pokt_user"], "balance": USER_POKT_BALANCE}]
    accounts += [
        {"address": member, "balance": MEMBER_POKT_BALANCE} for member in facts["member_accounts"]
    ]
    return {
        "chain_id": POKT_CHAIN_ID,
        "block_time_s": options.pokt_block_time_s,
        "auth_params": {"tx_sig_limit": options.tx_sig_limit},
        # txs reach the index after their block is reported as latest, as on CometBFT
        "index_lag_s": round(options.pokt_block_time_s * 0.3, 3),
        "accounts": accounts,
        "state_file": str(state_file),
    }


def create_devnet_group_vault(
    pokt_url: str, keys: Mapping[str, Any], creator: str, options: DevnetOptions
) -> str:
    """Create the group vault the way an operator does (``wpokt-node vault create-group``):
    from one member's account, with every member at weight 1 and the policy as its own admin.
    Returns the vault (policy) address the chain reports."""
    node_keys = keys["nodes"]
    client = PocketClient(pokt_url)
    try:
        member = MemberAccount(
            client,
            _signer(node_keys[creator]["pokt_signer"]),
            chain_id=POKT_CHAIN_ID,
            fee=Coin("upokt", options.fee_upokt),
            gas_limit=400_000,
        )
        members = [
            pokt_address_of(_signer(k["pokt_signer"]).public_key) for k in node_keys.values()
        ]
        _, vault = create_group_vault(
            member,
            members,
            threshold=options.threshold,
            voting_period=timedelta(seconds=options.voting_period_s),
        )
    finally:
        client.close()
    return vault
