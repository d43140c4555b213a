"""The deployed wPOKT frontend's contract, written from its sources (pokt-network/
wpokt-frontend at eea94df): JSON Schemas of ``types/mint.ts``, ``types/invalidMint.ts``,
``types/burn.ts`` and ``types/health.ts`` (a document as its API routes return it: ``_id`` and
dates as strings), and the queries of ``lib/mint.ts``, ``lib/burn.ts``, ``lib/invalidMint.ts``
and ``lib/health.ts``, run here with pymongo exactly as the frontend runs them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from jsonschema import Draft202012Validator
from pymongo.database import Database

Document = dict[str, Any]

STATUS = {"enum": ["pending", "confirmed", "signed", "submitted", "success", "failed"]}
TEXT = {"type": "string"}
DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
DATE = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$",
}
TEXTS = {"type": "array", "items": TEXT}
LOWER_HEX = {"type": "string", "pattern": "^0x[0-9a-f]+$"}
LOWER = {"type": "string", "pattern": "^[^A-Z]*$"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


MINT = _object({
    "_id": TEXT, "transaction_hash": LOWER_HEX, "height": DIGITS, "confirmations": DIGITS,
    "sender_address": TEXT, "sender_chain_id": TEXT, "recipient_address": LOWER,
    "recipient_chain_id": TEXT, "wpokt_address": LOWER, "vault_address": LOWER,
    "amount": DIGITS, "nonce": TEXT,
    "memo": {"anyOf": [{"type": "null"}, _object({"address": TEXT, "chain_id": TEXT})]},
    "created_at": DATE, "updated_at": DATE, "status": STATUS,
    "data": {"anyOf": [{"type": "null"},
                       _object({"recipient": TEXT, "amount": DIGITS, "nonce": DIGITS})]},
    "signers": TEXTS, "signatures": {"type": "array", "items": LOWER_HEX},
    "mint_tx_hash": TEXT,
})  # fmt: skip
INVALID_MINT = _object({
    "_id": TEXT, "transaction_hash": LOWER_HEX, "height": DIGITS, "confirmations": DIGITS,
    "sender_address": TEXT, "sender_chain_id": TEXT, "vault_address": LOWER, "amount": DIGITS,
    "created_at": DATE, "updated_at": DATE, "status": STATUS, "return_tx": TEXT,
    "signers": TEXTS, "return_transaction_hash": TEXT, "memo": TEXT,
})  # fmt: skip
BURN = _object({
    "_id": TEXT, "transaction_hash": LOWER_HEX, "log_index": DIGITS, "block_number": DIGITS,
    "confirmations": DIGITS, "sender_address": LOWER_HEX, "sender_chain_id": TEXT,
    "recipient_address": TEXT, "recipient_chain_id": TEXT, "wpokt_address": LOWER,
    "amount": DIGITS, "created_at": DATE, "updated_at": DATE, "status": STATUS,
    "return_tx": TEXT, "signers": TEXTS, "return_transaction_hash": TEXT,
})  # fmt: skip
SERVICE_HEALTH = _object({
    "name": TEXT, "healthy": {"type": "boolean"}, "eth_block_number": TEXT, "pokt_height": TEXT,
    "last_sync_time": DATE, "next_sync_time": DATE,
})  # fmt: skip
HEALTH = _object({
    "_id": TEXT, "pokt_vault_address": TEXT, "pokt_signers": TEXTS, "pokt_public_key": TEXT,
    "pokt_address": TEXT, "eth_validators": TEXTS, "eth_address": TEXT, "wpokt_address": TEXT,
    "hostname": TEXT, "validator_id": TEXT, "healthy": {"type": "boolean"},
    "created_at": DATE, "service_healths": {"type": "array", "items": SERVICE_HEALTH},
})  # fmt: skip


def as_api_json(value: Any) -> Any:
    """What ``res.status(200).json(document)`` sends: ObjectIds and dates as strings."""
    if isinstance(value, dict):
        return {k: as_api_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_api_json(v) for v in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def problems(schema: dict[str, Any], document: Document) -> list[str]:
    validator = Draft202012Validator(schema)
    errors = validator.iter_errors(as_api_json(document))
    return [f"{list(e.absolute_path)}: {e.message}" for e in errors]


class FrontendQueries:
    """``lib/*.ts`` of the frontend, against its database, with its environment's addresses
    (``NEXT_PUBLIC_WPOKT_ADDRESS``, ``NEXT_PUBLIC_POKT_MULTISIG_ADDRESS``)."""

    def __init__(self, db: Database[Document], wpokt_address: str, vault_address: str) -> None:
        self.db, self.wpokt, self.vault = db, wpokt_address, vault_address

    def _mint_filter(self) -> Document:
        return {"wpokt_address": self.wpokt.lower(), "vault_address": self.vault.lower()}

    def mint_from_pokt_tx(self, tx_hash: str) -> Document | None:  # getMintFromPoktTx
        query = {**self._mint_filter(), "transaction_hash": tx_hash.lower()}
        return self.db["mints"].find_one(query)

    def mints_from_recipient(self, eth_address: str) -> list[Document]:  # getAllMintsFromRecipient
        query = {**self._mint_filter(), "recipient_address": eth_address.lower()}
        return list(self.db["mints"].find(query, sort=[("created_at", -1)]))

    def active_mints(self, eth_address: str) -> list[Document]:  # pages/api/mints/active.ts
        return [m for m in self.mints_from_recipient(eth_address)
                if m["status"] not in ("success", "failed")]  # fmt: skip

    def burns_from(self, sender: str | None = None, recipient: str | None = None) -> list[Document]:
        """getAllBurnsFromSenderAndOrRecipient"""
        query: Document = {"wpokt_address": self.wpokt.lower()}
        if sender:
            query["sender_address"] = sender.lower()
        if recipient:
            query["recipient_address"] = recipient.lower()
        return list(self.db["burns"].find(query, sort=[("created_at", -1)]))

    def burn_from_hash(self, tx_hash: str) -> Document | None:  # getBurnFromHash
        query = {"wpokt_address": self.wpokt.lower(), "transaction_hash": tx_hash.lower()}
        return self.db["burns"].find_one(query)

    def invalid_mints(self) -> list[Document]:  # getAllInvalidMints (no lower-casing there)
        query = {"vault_address": self.vault}
        return list(self.db["invalidMints"].find(query, sort=[("created_at", -1)]))

    def invalid_mint_from_tx(self, tx_hash: str) -> Document | None:  # getInvalidMintFromTx
        return self.db["invalidMints"].find_one({"vault_address": self.vault,
                                                 "transaction_hash": tx_hash})  # fmt: skip

    def healths(self) -> list[Document]:  # getAllHealths
        return list(self.db["healthchecks"].find({}, sort=[("validator_id", 1)]))
