"""What a devnet user does: deposit POKT with a memo, burn wPOKT back to Pocket, look around."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wpokt_devnet.cluster import Devnet
from wpokt_devnet.cluster_config import ETH_CHAIN_ID
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.addresses import address_to_bytes
from wpokt_node.db.client import connect
from wpokt_node.db.schema import ENTRY_COLLECTIONS
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.pokt.client import PocketClient

BURN_GAS = 150_000


def deposit_memo(eth_address: str) -> str:
    return json.dumps({"address": eth_address, "chain_id": str(ETH_CHAIN_ID)})


def deposit(
    devnet: Devnet,
    amount: int,
    eth_address: str,
    memo: str | None = None,
    *,
    vault: str | None = None,
) -> str:
    """Send ``amount`` upokt from the devnet Pocket user into the vault (or ``vault``); returns
    the tx hash."""
    signer = LocalKeySigner.from_hex(devnet.keys()["pokt_user"])
    wallet = DevnetWallet(signer, devnet.pokt_url)
    try:
        text = deposit_memo(eth_address) if memo is None else memo
        return wallet.send(vault or str(devnet.state["vault"]), amount, memo=text)
    finally:
        wallet.close()


def burn(devnet: Devnet, amount: int, pokt_address: str) -> str:
    """``burnAndBridge(amount, pokt_address)`` from the devnet Ethereum user; returns tx hash."""
    signer = LocalKeySigner.from_hex(devnet.keys()["eth_user"])
    client = EthClient(devnet.eth_url)
    token = TokenContract(client, str(devnet.state["token"]))
    recipient = "0x" + address_to_bytes(pokt_address).hex()
    data = token.encode("burnAndBridge", amount, client.w3.to_checksum_address(recipient))
    sender = TransactionSender(client, signer, ETH_CHAIN_ID)
    receipt = sender.send(token.address, data, BURN_GAS, "burnAndBridge")
    return receipt.transaction_hash


@dataclass(frozen=True, slots=True)
class Snapshot:
    pokt_user: str
    pokt_user_balance: int
    vault: str
    vault_balance: int
    eth_user: str
    eth_user_wpokt: int
    wpokt_supply: int
    entries: dict[str, list[dict[str, Any]]]


def snapshot(devnet: Devnet) -> Snapshot:
    pokt = PocketClient(devnet.pokt_url)
    client = EthClient(devnet.eth_url)
    token = TokenContract(client, str(devnet.state["token"]))
    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        entries = {
            name: [
                {
                    "id": str(doc["_id"]),
                    "status": doc.get("status"),
                    "amount": doc.get("amount"),
                    "to": doc.get("to_address"),
                    "tx": doc.get("transaction_hash"),
                    "signers": len(doc.get("signers") or []),
                    "execution_tx_hash": doc.get("execution_tx_hash"),
                    "error": doc.get("error"),
                    "reason": doc.get("reason"),
                }
                for doc in db[name].find({}).sort("created_at", 1)
            ]
            for name in ENTRY_COLLECTIONS
        }
    finally:
        db.client.close()
    return Snapshot(
        pokt_user=str(devnet.state["pokt_user"]),
        pokt_user_balance=pokt.balance(str(devnet.state["pokt_user"]), "upokt"),
        vault=str(devnet.state["vault"]),
        vault_balance=pokt.balance(str(devnet.state["vault"]), "upokt"),
        eth_user=str(devnet.state["eth_user"]),
        eth_user_wpokt=token.balance_of(str(devnet.state["eth_user"])),
        wpokt_supply=token.total_supply(),
        entries=entries,
    )
