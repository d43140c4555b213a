"""A 9-of-12 group vault cluster in one process: twelve nodes, each with its own Pocket member
key, member account, journal and node id, sharing one MongoDB, one anvil and one Pocket
simulator at mainnet's ``tx_sig_limit`` of 7. The vault is created the way an operator does
(``vault create-group``), then funded. Passes run node by node, so a test decides exactly who
takes part: nodes that are "down" simply do not run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from google.protobuf import any_pb2
from pymongo.database import Database

from tests.fixtures.anvil import CHAIN_ID, FAST_RETRY, EthEnv, validator_signers
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.addresses import address_to_bytes
from wpokt_node.burn.executor import release_executor
from wpokt_node.burn.watcher import BurnWatcher, BurnWatcherTask
from wpokt_node.config import Settings, parse_settings
from wpokt_node.db.entries import insert_once
from wpokt_node.db.schema import REFUNDS
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.mint.entries import refund_entry_document
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.machine import PayoutMachine
from wpokt_node.payout.pause import pause_reason
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposits import DepositKind, DepositRules, classify_deposit
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.group_vault import create_group_vault
from wpokt_node.pokt.member_tx import MemberAccount

Document = dict[str, Any]

NODES = 12
THRESHOLD = 9
FEE = 10_000
ETH_CONFIRMATIONS = 3
MEMBER_BALANCE = 100_000_000  # 100 POKT of fees per member account
VAULT_FUNDS = 500_000_000
MIN_PAYOUT = 1_000_000
MEMBERS = [
    LocalKeySigner(hashlib.sha256(b"group test member %d" % i).digest()) for i in range(NODES)
]
MEMBER_ADDRESSES = [pokt_address_of(m.public_key) for m in MEMBERS]


def recipient(name: str) -> str:
    return pokt_address_of(LocalKeySigner(hashlib.sha256(name.encode()).digest()).public_key)


def group_genesis(users: Sequence[LocalKeySigner]) -> dict[str, Any]:
    """Mainnet's tx_sig_limit (the simulator's default) and funded users and member accounts."""
    accounts = [
        {
            "address": pokt_address_of(u.public_key),
            "balances": {"upokt": "1000000000", "uother": "1000"},
        }
        for u in users
    ]
    accounts += [
        {"address": a, "balances": {"upokt": str(MEMBER_BALANCE)}} for a in MEMBER_ADDRESSES
    ]
    return {"chain_id": "pocket", "block_time_s": 0, "accounts": accounts}


@dataclass
class Node:
    settings: Settings
    executor: PayoutMachine
    journal: SigningJournal

    @property
    def node_id(self) -> str:
        return self.settings.node_id


class GroupCluster:
    def __init__(
        self,
        db: Database[Document],
        mongo_uri: str,
        eth: EthEnv,
        pokt_url: str,
        *,
        funder: LocalKeySigner,
        tmp: Path,
        voting_period_s: int = 600,
    ) -> None:
        self.db = db
        self.eth = eth
        self.pokt_url = pokt_url
        self.tmp = tmp
        self.mongo_uri = mongo_uri
        self.voting_period_s = voting_period_s
        self.pokt = PocketClient(pokt_url, retries=2, backoff_s=0.01)
        self.reader = GroupReader(self.pokt)
        self.eth_client = EthClient(eth.anvil.url, retry=FAST_RETRY)
        _, self.vault = create_group_vault(
            self.member(0),
            MEMBER_ADDRESSES,
            threshold=THRESHOLD,
            voting_period=timedelta(seconds=voting_period_s),
        )
        self.wallet = DevnetWallet(funder, pokt_url)
        self.wallet.wait_for_tx(self.wallet.send(self.vault, VAULT_FUNDS))
        self.initial_vault = self.balance(self.vault)
        self.nodes = [self.node(i) for i in range(NODES)]

    def member(self, index: int) -> MemberAccount:
        return MemberAccount(
            self.pokt, MEMBERS[index], chain_id="pocket", fee=Coin("upokt", FEE), gas_limit=400_000
        )

    def settings(self, index: int, **over: Any) -> Settings:
        env_key = {"source": "env", "env_var": "WPOKT_TEST_UNUSED_KEY"}
        data: dict[str, Any] = {
            "node_id": f"node-{index:02d}",
            "cluster": {"nodes": NODES, "threshold": THRESHOLD},
            "mongodb": {"uri": self.mongo_uri, "database": self.db.name},
            "ethereum": {
                "rpc_url": self.eth.anvil.url,
                "chain_id": CHAIN_ID,
                "token_address": self.eth.deployment.token,
                "mint_controller_address": self.eth.deployment.controller,
                "validator_addresses": [
                    eth_address_of(s.public_key) for s in validator_signers(NODES)
                ],
                "confirmations": ETH_CONFIRMATIONS,
                "start_block": self.eth.deployment.deploy_block,
                "reorg_margin": 8,
            },
            "pocket": {
                "rest_url": self.pokt_url,
                "vault_address": self.vault,
                "member_public_keys": [m.public_key.hex() for m in MEMBERS],
                "confirmations": 1,
                "fee_upokt": FEE,
                "custody": "group",
                "group": {
                    "voting_period_s": self.voting_period_s,
                    "min_payout_upokt": MIN_PAYOUT,
                    "resend_after_s": 5.0,
                },
            },
            "keys": {"eth_signer": env_key, "pokt_signer": env_key, "eth_gas": env_key},
            "journal_path": str(self.tmp / f"journal-{index:02d}.sqlite3"),
        }
        data.update(over)
        return parse_settings(data, environ={})

    def node(self, index: int) -> Node:
        settings = self.settings(index)
        journal = SigningJournal(settings.journal_path, node_id=settings.node_id)
        executor = release_executor(
            settings=settings,
            db=self.db,
            pokt=PocketClient(self.pokt_url, retries=2, backoff_s=0.01),
            eth=self.eth_client,
            pokt_signer=MEMBERS[index],
            journal=journal,
            paused=partial(pause_reason, self.db, settings),
        )
        return Node(settings, executor, journal)

    def run(self, passes: int = 1, nodes: Sequence[int] | None = None) -> None:
        chosen = range(NODES) if nodes is None else nodes
        for _ in range(passes):
            for index in chosen:
                self.nodes[index].executor.run_once()

    # -- source events ----------------------------------------------------------------------------

    def refund(self, amount: int) -> Any:
        """A deposit with a bad memo, recorded as the pokt-watcher records it; the entry id."""
        return self.record_refund(self.wallet.send(self.vault, amount, memo="not a memo"))

    def record_refund(self, tx_hash: str) -> Any:
        """The refund entry of deposit ``tx_hash``, as the pokt-watcher records it; its id."""
        self.wallet.wait_for_tx(tx_hash)
        response = self.pokt.tx(tx_hash)
        assert response is not None
        rules = DepositRules(self.vault, eth_chain_id=CHAIN_ID)
        verdict = classify_deposit(response, rules)
        assert verdict.kind is DepositKind.REFUND, verdict
        return insert_once(self.db[REFUNDS], refund_entry_document(verdict, self.vault)).id

    def burn(self, amount: int, to: str) -> str:
        """Mint wPOKT to the holder and burn it to ``to``; mines to the confirmation depth."""
        self.eth.mint(self.eth.holder_address, amount)
        receipt = self.eth.burn(amount, address_to_bytes(to))
        self.eth.anvil.mine(ETH_CONFIRMATIONS - 1)
        return receipt.transaction_hash

    def watcher(self) -> BurnWatcherTask:
        ethereum = self.nodes[0].settings.ethereum
        return BurnWatcherTask(
            BurnWatcher(self.db, self.nodes[0].node_id, self.eth_client, ethereum),
            returns_every_s=0,  # every pass: the tests drive the passes
        )

    # -- chain views ------------------------------------------------------------------------------

    def balance(self, address: str) -> int:
        return self.pokt.balance(address)

    def send_as_member(self, index: int, messages: Sequence[any_pb2.Any]) -> Any:
        """A tx from a member's own account (a compromised key, an operator's admin proposal)."""
        tx_hash = self.member(index).send(messages)
        return self.pokt.wait_for_tx(tx_hash, timeout_s=10, poll_s=0.05)

    def payouts_to(self, address: str) -> list[int]:
        """Amounts the vault has sent ``address`` in successful txs (inner MsgSends included)."""
        found = self.pokt.iter_txs(f"transfer.recipient='{address}'")
        amounts: list[int] = []
        for response in found:
            for event in response.get("events") or ():
                if event.get("type") != "transfer":
                    continue
                attributes = {a["key"]: a["value"] for a in event["attributes"]}
                pair = (attributes.get("sender"), attributes.get("recipient"))
                if pair == (self.vault, address):
                    amounts.append(int(str(attributes["amount"]).removesuffix("upokt")))
        return amounts

    def close(self) -> None:
        for node in self.nodes:
            node.journal.close()
        self.wallet.close()
        self.pokt.close()


def group_cluster(
    db: Database[Document], mongo_uri: str, eth: EthEnv, pokt_url: str, **options: Any
) -> Iterator[GroupCluster]:
    """``options``: ``funder`` and ``tmp`` (required), ``voting_period_s``."""
    cluster = GroupCluster(db, mongo_uri, eth, pokt_url, **options)
    try:
        yield cluster
    finally:
        cluster.close()
