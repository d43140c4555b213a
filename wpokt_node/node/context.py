"""Everything one worker process needs, built once from the node's settings.

Every process knows the node's three public keys; only the process that signs a kind of
payload holds the key for it (``WORKER_KEYS``): the mint executor the Ethereum signer and the
gas key, the release executor the Pocket signer. The watchers and the supervisor never
decrypt a keystore or hold a KMS signing handle, so a bug in their parsing of chain data
cannot reach a signing key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database

from wpokt_node import __version__
from wpokt_node.config import Network, Settings
from wpokt_node.db.client import connect_settings
from wpokt_node.db.schema_version import SchemaWatch
from wpokt_node.errors import KeyMaterialError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract, TokenContract
from wpokt_node.eth.roles import RoleExpectation, RoleWatch
from wpokt_node.keys.keystore import KEY_PURPOSES
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.keys.sources import load_public_key, load_signer
from wpokt_node.node.governance import GovernanceWatch
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.pause import pause_reason
from wpokt_node.pokt.client import PocketClient

Document = dict[str, Any]
WORKER_KEYS: Mapping[str, tuple[str, ...]] = {
    "pokt-watcher": (),
    "mint-executor": ("eth_signer", "eth_gas"),
    "burn-watcher": (),
    "release-executor": ("pokt_signer",),
}


@dataclass(frozen=True, slots=True)
class OwnKeys:
    """This node's public keys (compressed secp256k1)."""

    eth_signer: bytes
    pokt_signer: bytes
    eth_gas: bytes


@dataclass
class NodeContext:
    settings: Settings
    db: Database[Document]
    eth: EthClient
    token: TokenContract
    controller: ControllerContract
    pokt: PocketClient
    public_keys: OwnKeys
    journal: SigningJournal
    claims: ClaimQueue
    signers: Mapping[str, Secp256k1Signer] = field(default_factory=dict)
    governance: GovernanceWatch | None = None
    schema: SchemaWatch | None = None

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    def signer(self, purpose: str) -> Secp256k1Signer:
        """The ``purpose`` key, if this process holds it (``WORKER_KEYS``)."""
        found = self.signers.get(purpose)
        if found is None:
            raise KeyMaterialError(f"this process holds no {purpose} key (WORKER_KEYS)")
        return found

    def paused(self) -> str | None:
        """Why this node must not sign or send right now (config or cluster pause, or one of
        its own holds), or None."""
        return pause_reason(self.db, self.settings) or self.hold()

    def hold(self) -> str | None:
        """Why this node's own watches hold its signing: the database needs a newer node, or
        the chains' governance differs from the config; None when neither."""
        if self.schema is not None and (too_old := self.schema.reason()) is not None:
            return too_old
        if self.governance is not None and (changed := self.governance.reason()) is not None:
            return f"governance changed on chain: {changed}"
        return None

    def close(self) -> None:
        self.claims.close()
        self.journal.close()
        self.db.client.close()


def build_context(settings: Settings, worker: str | None = None) -> NodeContext:
    """The context of ``worker`` (None: the supervisor or a command), holding only the signing
    keys that worker uses."""
    eth = EthClient.from_settings(settings.ethereum)
    node_id = settings.node_id
    public = {p: load_public_key(getattr(settings.keys, p), purpose=p, node_id=node_id)
              for p in KEY_PURPOSES}  # fmt: skip
    signers = {p: load_signer(getattr(settings.keys, p), purpose=p, node_id=node_id)
               for p in WORKER_KEYS.get(worker or "", ())}  # fmt: skip
    for purpose, signer in signers.items():
        if signer.public_key != public[purpose]:
            raise KeyMaterialError(f"keys.{purpose}: the key does not match its public key")
    context = NodeContext(
        settings=settings,
        db=connect_settings(settings),
        eth=eth,
        token=TokenContract(eth, settings.ethereum.token_address),
        controller=ControllerContract(eth, settings.ethereum.mint_controller_address),
        pokt=PocketClient(settings.pocket.rest_url, timeout_s=settings.pocket.rpc_timeout_s),
        public_keys=OwnKeys(**public),
        signers=signers,
        journal=SigningJournal(settings.journal_path, node_id=settings.node_id),
        claims=ClaimQueue(
            settings.journal_path,
            clear_after_s=3
            * max(settings.pocket.rescan_interval_s, settings.ethereum.rescan_interval_s),
        ),
    )
    if worker is None or WORKER_KEYS.get(worker):  # a watcher signs nothing: nothing to hold
        context.governance = GovernanceWatch(
            settings,
            context.controller,
            context.pokt,
            context.public_keys.pokt_signer,
            role_watch(settings, context.token),
        )
    context.schema = SchemaWatch(context.db, __version__)
    return context


def role_watch(settings: Settings, token: TokenContract) -> RoleWatch:
    """The watch of the token's admin and minters that this node's config expects."""
    eth = settings.ethereum
    first = eth.start_block if eth.roles_from_block is None else eth.roles_from_block
    expected = RoleExpectation(
        admin=eth.admin_address,
        controller=settings.minter_address(),
        admin_must_be_contract=settings.network is not Network.DEVNET,
    )
    return RoleWatch(token.client, token, first, expected, eth.scan_chunk_size, eth.reorg_margin)
