"""``admin reobserve --eth-tx``: read one Ethereum tx's receipt again from this node's own RPC
and record the ``BurnAndBridge`` burns the burn-watcher missed (all of the tx's, or the one at
``--log-index``). Recorded ``detected``: every node re-reads the burn before it signs."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from wpokt_node.burn.entries import burn_document
from wpokt_node.config import Settings
from wpokt_node.custody.source_window import SourceWindow
from wpokt_node.db.reobserved import Reobserved, record
from wpokt_node.db.schema import BURNS
from wpokt_node.errors import ValidationError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.confirmations import confirmation_depth
from wpokt_node.eth.events import burn_logs, decode_burn

Document = dict[str, Any]


def reobserve_burns(
    settings: Settings, db: Database[Document], eth: EthClient, tx_hash: str,
    *, log_index: int | None, dry_run: bool,
) -> list[Reobserved]:  # fmt: skip
    """Record each burn of ``tx_hash`` that has no entry; raise ``ValidationError`` (nothing
    changed) when the tx holds no such burn of this cluster's token."""
    found = []
    for document in burn_documents(settings, eth, tx_hash, log_index=log_index):
        source = f"eth:{document['transaction_hash']}:{document['burn_index']}"
        found.append(record(db, BURNS, document, source, dry_run=dry_run))
    return found


def burn_documents(
    settings: Settings, eth: EthClient, tx_hash: str, *, log_index: int | None
) -> list[Document]:
    """The entries a scan records for the burns of ``tx_hash`` (or the one at ``log_index``),
    read from this node's RPC; ``ValidationError`` when it holds none this cluster pays."""
    receipt = eth.receipt(tx_hash)
    if receipt is None:
        raise ValidationError(f"Ethereum tx {tx_hash}: this node's RPC has no receipt for it")
    if receipt.status != 1:
        raise ValidationError(f"Ethereum tx {tx_hash} reverted: it burned nothing")
    token = settings.ethereum.token_address
    burns = burn_logs(receipt.logs, token)
    if log_index is not None:
        burns = [(log, index) for log, index in burns if log.log_index == log_index]
    if not burns:
        where = "" if log_index is None else f" at log index {log_index}"
        raise ValidationError(
            f"Ethereum tx {tx_hash} holds no BurnAndBridge of the token {token}{where}"
        )
    outside = SourceWindow.from_settings(settings).burn(receipt.block_number)
    if outside is not None:
        raise ValidationError(f"Ethereum tx {tx_hash}: not paid by this cluster: {outside.reason}")
    head = eth.block_number()
    return [
        burn_document(event, confirmation_depth(event.block_number, head))
        for event in (decode_burn(log, burn_index) for log, burn_index in burns)
    ]
