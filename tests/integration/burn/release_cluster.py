"""A small release cluster in one process: 3 nodes (2-of-3 vault), each with its own Pocket key,
journal and node id, sharing one MongoDB, one anvil and one Pocket simulator."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pymongo.database import Database

from tests.fixtures.anvil import CHAIN_ID, FAST_RETRY, EthEnv, validator_signers
from tests.fixtures.pokt import pokt_genesis
from wpokt_node.addresses import address_to_bytes
from wpokt_node.burn.executor import release_executor
from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.config import Settings, parse_settings
from wpokt_node.db.entries import insert_once
from wpokt_node.db.schema import REFUNDS
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.mint.entries import refund_entry_document
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.machine import PayoutMachine
from wpokt_node.payout.pause import pause_reason
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposits import DepositKind, DepositRules, classify_deposit
from wpokt_node.pokt.multisig import MultisigPubKey

Document = dict[str, Any]

NODES = 3
THRESHOLD = 2
FEE = 20_000
ETH_CONFIRMATIONS = 3
VAULT_BALANCE = 10_000_000_000
MEMBERS = [
    LocalKeySigner(hashlib.sha256(b"burn test member %d" % i).digest()) for i in range(NODES)
]
VAULT = MultisigPubKey.create(THRESHOLD, [m.public_key for m in MEMBERS])


def recipient(name: str) -> str:
    return pokt_address_of(LocalKeySigner(hashlib.sha256(name.encode()).digest()).public_key)


def node_settings(
    index: int, *, mongo_uri: str, db_name: str, eth: EthEnv, pokt_url: str, tmp: Path, **over: Any
) -> Settings:
    env_key = {"source": "env", "env_var": "WPOKT_TEST_UNUSED_KEY"}
    data: dict[str, Any] = {
        "node_id": f"node-{index}",
        "cluster": {"nodes": NODES, "threshold": THRESHOLD},
        "mongodb": {"uri": mongo_uri, "database": db_name},
        "ethereum": {
            "rpc_url": eth.anvil.url,
            "chain_id": CHAIN_ID,
            "token_address": eth.deployment.token,
            "mint_controller_address": eth.deployment.controller,
            "validator_addresses": [
                eth_address_of(s.public_key) for s in validator_signers()[:NODES]
            ],
            "confirmations": ETH_CONFIRMATIONS,
            "start_block": eth.deployment.deploy_block,
            "reorg_margin": 8,
        },
        "pocket": {
            "rest_url": pokt_url,
            "vault_address": VAULT.address(),
            "member_public_keys": [m.public_key.hex() for m in MEMBERS],
            "confirmations": 1,
            "fee_upokt": FEE,
        },
        "keys": {"eth_signer": env_key, "pokt_signer": env_key, "eth_gas": env_key},
        "journal_path": str(tmp / f"journal-{index}.sqlite3"),
    }
    data.update(over)
    return parse_settings(data, environ={})


@dataclass
class Node:
    settings: Settings
    executor: PayoutMachine
    journal: SigningJournal
    pokt: PocketClient
    claims: ClaimQueue

    @property
    def node_id(self) -> str:
        return self.settings.node_id


class ReleaseCluster:
    def __init__(
        self, db: Database[Document], mongo_uri: str, eth: EthEnv, pokt_url: str, tmp: Path
    ):
        self.db = db
        self.eth = eth
        self.pokt_url = pokt_url
        self.tmp = tmp
        self.mongo_uri = mongo_uri
        self.pokt = PocketClient(pokt_url, retries=2, backoff_s=0.01)
        self.eth_client = EthClient(eth.anvil.url, retry=FAST_RETRY)
        self.nodes = [self.node(i) for i in range(NODES)]

    def settings(self, index: int, **over: Any) -> Settings:
        return node_settings(
            index,
            mongo_uri=self.mongo_uri,
            db_name=self.db.name,
            eth=self.eth,
            pokt_url=self.pokt_url,
            tmp=self.tmp,
            **over,
        )

    def node(
        self,
        index: int,
        *,
        journal: SigningJournal | None = None,
        execution_lease: str = "release-executor",
        **over: Any,
    ) -> Node:
        settings = self.settings(index, **over)
        journal = journal or SigningJournal(settings.journal_path, node_id=settings.node_id)
        claims = ClaimQueue(settings.journal_path, clear_after_s=0)
        pokt = PocketClient(self.pokt_url, retries=2, backoff_s=0.01)
        executor = release_executor(
            settings=settings,
            db=self.db,
            pokt=pokt,
            eth=self.eth_client,
            pokt_signer=MEMBERS[index],
            journal=journal,
            paused=partial(pause_reason, self.db, settings),
            executor_lease=execution_lease,
            claims=claims,
        )
        return Node(settings, executor, journal, pokt, claims)

    def preparer(self) -> Node:
        """Node 0 paused: it moves entries to ``started`` but signs nothing."""
        return self.node(0, journal=self.nodes[0].journal, caps={"paused": True})

    def watcher(self) -> BurnWatcherTask:
        ethereum = self.nodes[0].settings.ethereum
        return BurnWatcherTask(
            BurnWatcher(
                self.db,
                self.nodes[0].node_id,
                self.eth_client,
                ethereum,
                claims=self.nodes[0].claims,
            ),
            returns_every_s=0,  # every pass: the tests drive the passes
        )

    def run(self, passes: int = 1, nodes: list[Node] | None = None) -> None:
        for _ in range(passes):
            for node in nodes or self.nodes:
                node.executor.run_once()

    def burn(self, amount: int, to: str) -> str:
        """Mint wPOKT to the holder and burn it to ``to``; mines to the confirmation depth."""
        self.eth.mint(self.eth.holder_address, amount)
        receipt = self.eth.burn(amount, address_to_bytes(to))
        self.eth.anvil.mine(ETH_CONFIRMATIONS - 1)
        return receipt.transaction_hash

    def refund_entry(self, tx_hash: str) -> Any:
        """A refund entry made the way the pokt-watcher makes it, from the real deposit."""
        response = self.pokt.tx(tx_hash)
        assert response is not None
        rules = DepositRules(VAULT.address(), eth_chain_id=CHAIN_ID)
        verdict = classify_deposit(response, rules)
        assert verdict.kind is DepositKind.REFUND, verdict
        return insert_once(self.db[REFUNDS], refund_entry_document(verdict, VAULT.address())).id

    def balance(self, address: str) -> int:
        return self.pokt.balance(address)

    def vault_sequence(self) -> int:
        account = self.pokt.account(VAULT.address())
        assert account is not None
        return account.sequence

    def close(self) -> None:
        for node in self.nodes:
            node.journal.close()
            node.claims.close()
            node.pokt.close()
        self.pokt.close()


def pokt_vault_genesis(users: list[LocalKeySigner]) -> dict[str, Any]:
    genesis = pokt_genesis(users)
    for account in genesis["accounts"]:
        account["balances"]["uother"] = "1000"
    genesis["accounts"].append(
        {"address": VAULT.address(), "balances": {"upokt": str(VAULT_BALANCE)}}
    )
    return genesis


def cluster_context(
    db: Database[Document], mongo_uri: str, eth: EthEnv, pokt_url: str, tmp: Path
) -> Iterator[ReleaseCluster]:
    cluster = ReleaseCluster(db, mongo_uri, eth, pokt_url, tmp)
    try:
        yield cluster
    finally:
        cluster.close()
