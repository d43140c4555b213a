"""The deployed wPOKT frontend's view of the cluster (``docs/frontend.md``): its collections
and shapes, kept current by the watchers in a database of its own."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.frontend.health import NodeFacts
from wpokt_node.frontend.shapes import UnmappableError, ViewFacts
from wpokt_node.frontend.view import (
    BURN_PROJECTIONS,
    MINT_PROJECTIONS,
    VIEW_COLLECTIONS,
    FrontendView,
    Projection,
)
from wpokt_node.frontend.writer import WriterLease
from wpokt_node.keys.signer import eth_address_of, pokt_address_of

__all__ = [
    "BURN_PROJECTIONS",
    "MINT_PROJECTIONS",
    "VIEW_COLLECTIONS",
    "FrontendView",
    "NodeFacts",
    "UnmappableError",
    "ViewFacts",
    "frontend_view",
    "node_facts",
    "view_facts",
]

Document = dict[str, Any]


def view_facts(settings: Settings) -> ViewFacts:
    ethereum, pocket = settings.ethereum, settings.pocket
    return ViewFacts(
        wpokt_address=ethereum.token_address.lower(),
        vault_address=pocket.vault_address.lower(),
        eth_chain_id=ethereum.chain_id,
        pokt_chain_id=pocket.chain_id,
        controller=ethereum.mint_controller_address,
        validators=frozenset(v.lower() for v in ethereum.validator_addresses),
    )


def node_facts(settings: Settings, eth_signer: bytes, pokt_signer: bytes) -> NodeFacts:
    """From this node's public keys (compressed secp256k1)."""
    return NodeFacts(
        node_id=settings.node_id,
        pokt_public_key=pokt_signer.hex(),
        pokt_address=pokt_address_of(pokt_signer),
        eth_address=eth_address_of(eth_signer),
        pokt_signers=tuple(
            pokt_address_of(bytes.fromhex(k)) for k in settings.pocket.member_public_keys
        ),
        eth_validators=tuple(settings.ethereum.validator_addresses),
        intervals_s={
            "pokt-watcher": settings.workers.pokt_watcher.interval_s,
            "mint-executor": settings.workers.mint_executor.interval_s,
            "burn-watcher": settings.workers.burn_watcher.interval_s,
            "release-executor": settings.workers.release_executor.interval_s,
        },
        stale_after_s=settings.workers.heartbeat_stale_s,
    )


def frontend_view(
    settings: Settings,
    db: Database[Document],
    projections: tuple[Projection, ...],
    health: NodeFacts | None = None,
) -> FrontendView | None:
    """The view this worker keeps, or None when ``mongodb.frontend_database`` is not set."""
    name = settings.mongodb.frontend_database
    if name is None:
        return None
    writer = WriterLease(db, f"frontend-view:{name}.{projections[0].target}", settings.node_id)
    return FrontendView(
        db, db.client[name], view_facts(settings), projections, health, writer=writer
    )
