"""``admin reobserve --pokt-tx``: read one Pocket tx again from this node's own RPC and record
the deposit entry the watchers missed.

The tx is classified by the pokt-watcher's own rules, so what is recorded is exactly what a
scan would have recorded: a mint, or a refund of a deposit that cannot be minted. It is recorded
``detected``: every node re-reads the tx from its own RPC before it confirms or signs anything,
so a wrong hash (or a lying RPC of this node) can pay nothing.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.custody.source_window import SourceWindow
from wpokt_node.db.reobserved import Reobserved, record
from wpokt_node.errors import ValidationError
from wpokt_node.mint.entries import entry_document
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.deposit_rules import classify_for_vaults, vault_rules

Document = dict[str, Any]


def reobserve_deposit(
    settings: Settings, db: Database[Document], pokt: PocketClient, tx_hash: str,
    *, dry_run: bool,
) -> Reobserved:  # fmt: skip
    """Record the deposit of Pocket tx ``tx_hash`` if it is one this cluster pays and has no
    entry; raise ``ValidationError`` (nothing changed) if it is not."""
    collection, document = deposit_document(settings, pokt, tx_hash)
    return record(db, collection, document, f"pokt:{document['transaction_hash']}",
                  dry_run=dry_run)  # fmt: skip


def deposit_document(settings: Settings, pokt: PocketClient, tx_hash: str) -> tuple[str, Document]:
    """The entry a scan records for Pocket tx ``tx_hash`` (collection, document), read from
    this node's RPC; ``ValidationError`` when it is not a deposit this cluster pays."""
    response = pokt.tx(tx_hash)
    if response is None:
        raise ValidationError(f"Pocket tx {tx_hash}: this node's RPC does not know it")
    verdict, rules = classify_for_vaults(response, vault_rules(settings))
    built = entry_document(verdict, rules.vault_address)
    if built is None:
        raise ValidationError(
            f"Pocket tx {tx_hash} is not a deposit into the vault ({verdict.reason})"
        )
    outside = SourceWindow.from_settings(settings).deposit(rules.vault_address, verdict.height)
    if outside is not None:
        raise ValidationError(f"Pocket tx {tx_hash}: not paid by this cluster: {outside.reason}")
    return built
