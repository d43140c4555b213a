"""Everything one worker process needs, built once from the node's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from wpokt_node import __version__
from wpokt_node.config import Network, Settings
from wpokt_node.db.client import connect_settings
from wpokt_node.db.schema_version import SchemaWatch
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract, TokenContract
from wpokt_node.eth.roles import RoleExpectation, RoleWatch
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.keys.sources import load_signer
from wpokt_node.node.governance import GovernanceWatch
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.pause import pause_reason
from wpokt_node.pokt.client import PocketClient

Document = dict[str, Any]


@dataclass
class NodeContext:
    settings: Settings
    db: Database[Document]
    eth: EthClient
    token: TokenContract
    controller: ControllerContract
    pokt: PocketClient
    eth_signer: Secp256k1Signer
    pokt_signer: Secp256k1Signer
    eth_gas: Secp256k1Signer
    journal: SigningJournal
    claims: ClaimQueue
    governance: GovernanceWatch | None = None
    schema: SchemaWatch | None = None

    @property
    def node_id(self) -> str:
        return self.settings.node_id

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


def build_context(settings: Settings) -> NodeContext:
    eth = EthClient.from_settings(settings.ethereum)
    context = NodeContext(
        settings=settings,
        db=connect_settings(settings),
        eth=eth,
        token=TokenContract(eth, settings.ethereum.token_address),
        controller=ControllerContract(eth, settings.ethereum.mint_controller_address),
        pokt=PocketClient(settings.pocket.rest_url, timeout_s=settings.pocket.rpc_timeout_s),
        eth_signer=load_signer(
            settings.keys.eth_signer, purpose="eth_signer", node_id=settings.node_id
        ),
        pokt_signer=load_signer(
            settings.keys.pokt_signer, purpose="pokt_signer", node_id=settings.node_id
        ),
        eth_gas=load_signer(settings.keys.eth_gas, purpose="eth_gas", node_id=settings.node_id),
        journal=SigningJournal(settings.journal_path, node_id=settings.node_id),
        claims=ClaimQueue(
            settings.journal_path,
            clear_after_s=3
            * max(settings.pocket.rescan_interval_s, settings.ethereum.rescan_interval_s),
        ),
    )
    context.governance = GovernanceWatch(
        settings,
        context.controller,
        context.pokt,
        context.pokt_signer.public_key,
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
        controller=eth.mint_controller_address,
        admin_must_be_contract=settings.network is not Network.DEVNET,
    )
    return RoleWatch(token.client, token, first, expected, eth.scan_chunk_size)
