"""Typed answers of the Pocket REST API and the strict parsers that build them.

The parsers read the raw JSON the Cosmos SDK's REST gateway returns: 64-bit integers may come
as decimal strings, keys as base64. Anything of the wrong shape raises ``ChainError``.
Transactions stay raw ``tx_response`` dicts (each with its decoded ``tx``): cosmpy's parser
rejects message types it does not know, the deposit rules simply skip them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.errors import ChainError
from wpokt_node.pokt.multisig import MULTISIG_PUBKEY_TYPE_URL, SECP256K1_PUBKEY_TYPE_URL
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash

_TIMESTAMP = re.compile(r"(?P<seconds>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d{1,9}))?Z")


@dataclass(frozen=True, slots=True)
class AccountPubKey:
    """An account's public key: one secp256k1 key, or a multisig with its threshold."""

    type_url: str
    keys: tuple[bytes, ...]
    threshold: int | None = None

    @property
    def is_multisig(self) -> bool:
        return self.type_url == MULTISIG_PUBKEY_TYPE_URL


@dataclass(frozen=True, slots=True)
class Account:
    address: str
    account_number: int
    sequence: int
    pubkey: AccountPubKey | None


@dataclass(frozen=True, slots=True)
class AuthParams:
    tx_sig_limit: int
    max_memo_characters: int


@dataclass(frozen=True, slots=True)
class LatestBlock:
    chain_id: str
    height: int
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class BroadcastResult:
    code: int
    txhash: str
    raw_log: str
    codespace: str = ""

    @property
    def accepted(self) -> bool:
        return self.code == 0


def uint(value: object, what: str, max_digits: int = 20) -> int:
    """An unsigned integer given as a JSON number or a decimal string."""
    if isinstance(value, bool):
        raise ChainError(f"Pocket REST: {what} is not an integer")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) <= max_digits:
        return int(value)
    raise ChainError(f"Pocket REST: {what} is not an unsigned integer: {str(value)[:40]!r}")


def json_object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ChainError(f"Pocket REST: {what} missing or not an object")
    return value


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise ChainError(f"Pocket REST: {what} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise ChainError(f"Pocket REST: {what} is not valid base64") from None


def _multisig_pubkey(data: dict[str, Any]) -> AccountPubKey:
    members = data.get("public_keys")
    if not isinstance(members, list):
        raise ChainError("Pocket REST: multisig pub_key without public_keys")
    keys: list[bytes] = []
    for member in members:
        member_data = json_object(member, "multisig member key")
        if member_data.get("@type") != SECP256K1_PUBKEY_TYPE_URL:
            raise ChainError(f"Pocket REST: unsupported member key {member_data.get('@type')}")
        keys.append(_b64(member_data.get("key"), "member key"))
    threshold = uint(data.get("threshold"), "multisig threshold")
    return AccountPubKey(MULTISIG_PUBKEY_TYPE_URL, tuple(keys), threshold)


def parse_account_pubkey(value: object) -> AccountPubKey | None:
    """The ``pub_key`` of an account JSON (``null`` until the account's first tx)."""
    if value is None:
        return None
    data = json_object(value, "account pub_key")
    type_url = data.get("@type")
    if type_url == SECP256K1_PUBKEY_TYPE_URL:
        return AccountPubKey(type_url, (_b64(data.get("key"), "pub_key.key"),))
    if type_url == MULTISIG_PUBKEY_TYPE_URL:
        return _multisig_pubkey(data)
    return AccountPubKey(str(type_url), ())


def _base_account(account: dict[str, Any]) -> dict[str, Any]:
    """Unwrap module and vesting accounts to their ``BaseAccount``."""
    for _ in range(3):
        if "base_vesting_account" in account:
            account = json_object(account["base_vesting_account"], "base_vesting_account")
        elif "base_account" in account:
            account = json_object(account["base_account"], "base_account")
        else:
            break
    return account


def parse_latest_block(data: dict[str, Any]) -> LatestBlock:
    block = data.get("sdk_block") or data.get("block")
    header = json_object(json_object(block, "block").get("header"), "block.header")
    chain_id = header.get("chain_id")
    if not isinstance(chain_id, str) or not chain_id:
        raise ChainError("Pocket REST: block header without chain_id")
    raw_time = header.get("time")
    time = parse_timestamp(raw_time, "block time") if raw_time else None
    return LatestBlock(chain_id, uint(header.get("height"), "block height"), time)


def parse_timestamp(value: object, what: str) -> datetime:
    """An RFC 3339 UTC timestamp as the gateway prints it (0-9 fraction digits, ``Z``)."""
    if not isinstance(value, str):
        raise ChainError(f"Pocket REST: {what} is not a timestamp")
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise ChainError(f"Pocket REST: {what} is not an RFC 3339 UTC timestamp: {value[:40]!r}")
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{match['seconds']}.{fraction}+00:00")


def parse_account(data: dict[str, Any], address: str) -> Account:
    """The account answer for ``address`` (already normalised), checked to be about it."""
    account = _base_account(json_object(data.get("account"), "account"))
    reported = account.get("address")
    if not isinstance(reported, str) or normalize_pokt_address(reported) != address:
        raise ChainError("Pocket REST: account answer is for a different address")
    return Account(
        address=address,
        account_number=uint(account.get("account_number", "0"), "account_number"),
        sequence=uint(account.get("sequence", "0"), "sequence"),
        pubkey=parse_account_pubkey(account.get("pub_key")),
    )


def parse_auth_params(data: dict[str, Any]) -> AuthParams:
    params = json_object(data.get("params"), "params")
    return AuthParams(
        tx_sig_limit=uint(params.get("tx_sig_limit"), "tx_sig_limit"),
        max_memo_characters=uint(params.get("max_memo_characters"), "max_memo_characters"),
    )


def parse_balance(data: dict[str, Any], denom: str) -> int:
    balance = data.get("balance")
    if balance is None:
        return 0
    coin = json_object(balance, "balance")
    if coin.get("denom") not in (denom, None, ""):
        raise ChainError("Pocket REST: balance answer is for a different denom")
    return uint(coin.get("amount", "0"), "balance amount", max_digits=78)


def parse_tx(data: dict[str, Any]) -> dict[str, Any]:
    """The ``tx_response`` of a tx query, with the decoded ``tx`` inside."""
    response = dict(json_object(data.get("tx_response"), "tx_response"))
    if "tx" not in response and isinstance(data.get("tx"), dict):
        response["tx"] = data["tx"]
    return response


def iter_tx_responses(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The ``tx_response`` dicts of a tx search page in order, each with its ``tx`` inside.

    Each item is checked only when it is reached.
    """
    responses = data.get("tx_responses") or []
    txs = data.get("txs") or []
    if not isinstance(responses, list) or not isinstance(txs, list):
        raise ChainError("Pocket REST: tx search answer without a tx_responses list")
    for index, item in enumerate(responses):
        response = dict(json_object(item, "tx_response"))
        if "tx" not in response and index < len(txs) and isinstance(txs[index], dict):
            response["tx"] = txs[index]
        yield response


def event_attributes(response: Mapping[str, Any], event_type: str) -> list[dict[str, str]]:
    """The attributes (key -> value, as the gateway prints them) of every event of
    ``event_type`` in a ``tx_response``, in order."""
    return [
        {
            str(a.get("key")): str(a.get("value"))
            for a in event.get("attributes") or ()
            if isinstance(a, Mapping)
        }
        for event in response.get("events") or ()
        if isinstance(event, Mapping) and event.get("type") == event_type
    ]


def parse_broadcast(data: dict[str, Any]) -> BroadcastResult:
    response = json_object(data.get("tx_response"), "tx_response")
    txhash = response.get("txhash")
    return BroadcastResult(
        code=uint(response.get("code", 0), "code"),
        txhash=normalize_pokt_tx_hash(str(txhash)),
        raw_log=str(response.get("raw_log", ""))[:2000],
        codespace=str(response.get("codespace", "")),
    )
