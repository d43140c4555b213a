"""What the two Pocket release back ends (group vault, legacy multisig) share: one release kind
(burns or refunds) of one node, its source events re-read from this node's own RPCs, and the
entry's current status read fresh from the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.custody.base import SourceCheck, UnpayableError
from wpokt_node.custody.missing import MissingTxTracker
from wpokt_node.custody.release_config import ReleaseConfig, ReleaseKind
from wpokt_node.custody.release_sources import ReleaseSources, release_source_event
from wpokt_node.db.models import Entry
from wpokt_node.errors import DatabaseError
from wpokt_node.eth.client import EthClient
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.recipients import unpayable_recipient

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReleaseNode:
    """One node's handles for releases of one kind."""

    kind: ReleaseKind
    config: ReleaseConfig
    db: Database[Document]
    pokt: PocketClient
    eth: EthClient
    node_id: str
    lease_ttl_s: float = 30.0


class ReleaseCustodyBase:
    """The shared half of a Pocket release back end."""

    def __init__(self, node: ReleaseNode) -> None:
        self.kind = node.kind
        self.config = node.config
        self.db = node.db
        self.pokt = node.pokt
        self.node_id = node.node_id
        self.lease_ttl_s = node.lease_ttl_s
        self.sources = ReleaseSources(
            node.config, node.pokt, node.eth, MissingTxTracker(node.config.missing_tx_blocks)
        )

    @property
    def collection(self) -> str:
        return self.kind.collection

    @property
    def vault(self) -> str:
        return self.config.vault

    def source_event(self, entry: Entry) -> str:
        return release_source_event(self.kind, entry)

    def check_source(self, entry: Entry) -> SourceCheck:
        return self.sources.check(self.kind, entry)

    def pays_source(self, entry: Entry, order: Mapping[str, Any]) -> bool:
        return True  # the outcome is matched to the node's own rebuild / the entry's own title

    def sign_wait(self, entry: Entry, order: Mapping[str, Any]) -> str | None:
        return None  # releases sign whenever their rebuild agrees

    def check_recipient(self, recipient: str) -> None:
        """Refuse, for good, a recipient the payout can only fail or loop on: a module account
        or the vault itself (``pokt.recipients``). The burn is then returned: its wPOKT is
        minted back to the burner (``custody.burn_return``)."""
        unpayable = unpayable_recipient(self.pokt, self.config.own_vaults, recipient)
        if unpayable is not None:
            raise UnpayableError(unpayable)

    def _read(self, entry: Entry, projection: Mapping[str, int]) -> Document | None:
        """The entry as the database holds it now (only ``projection``), or None."""
        try:
            return self.db[self.collection].find_one({"_id": entry.id}, projection=dict(projection))
        except PyMongoError as exc:
            raise DatabaseError(f"{self.collection}: read failed: {exc}") from None
