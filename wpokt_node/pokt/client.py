"""Pocket (Shannon, Cosmos SDK) REST client over ``requests``, reading the raw JSON.

cosmpy's REST parser rejects message types it does not know; this client hands the raw
``tx_response`` dicts to the deposit rules instead, so unknown messages are simply skipped.

Transient failures (connection errors, timeouts, HTTP 5xx/429, a body that is not a JSON
object) are retried with bounded, jittered exponential backoff (tenacity); other 4xx answers
are not retried. Every failure surfaces as ``ChainError`` with the endpoint path (never the
base URL, which may hold a provider key). "Not found" answers become ``None``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.config import PocketSettings
from wpokt_node.errors import ChainError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.pokt.multisig import MULTISIG_PUBKEY_TYPE_URL, SECP256K1_PUBKEY_TYPE_URL
from wpokt_node.pokt.release import normalize_pokt_tx_hash

log = get_logger(__name__)

GRPC_NOT_FOUND = 5
_MAX_ERROR_TEXT = 300


class _TransientError(Exception):
    """A failure worth retrying."""


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


@dataclass(frozen=True, slots=True)
class BroadcastResult:
    code: int
    txhash: str
    raw_log: str
    codespace: str = ""

    @property
    def accepted(self) -> bool:
        return self.code == 0


def _uint(value: object, what: str, max_digits: int = 20) -> int:
    if isinstance(value, bool):
        raise ChainError(f"Pocket REST: {what} is not an integer")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) <= max_digits:
        return int(value)
    raise ChainError(f"Pocket REST: {what} is not an unsigned integer: {str(value)[:40]!r}")


def _dict(value: object, what: str) -> dict[str, Any]:
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


def parse_account_pubkey(value: object) -> AccountPubKey | None:
    """The ``pub_key`` of an account JSON (``null`` until the account's first tx)."""
    if value is None:
        return None
    data = _dict(value, "account pub_key")
    type_url = data.get("@type")
    if type_url == SECP256K1_PUBKEY_TYPE_URL:
        return AccountPubKey(type_url, (_b64(data.get("key"), "pub_key.key"),))
    if type_url == MULTISIG_PUBKEY_TYPE_URL:
        members = data.get("public_keys")
        if not isinstance(members, list):
            raise ChainError("Pocket REST: multisig pub_key without public_keys")
        keys: list[bytes] = []
        for member in members:
            member_data = _dict(member, "multisig member key")
            if member_data.get("@type") != SECP256K1_PUBKEY_TYPE_URL:
                raise ChainError(f"Pocket REST: unsupported member key {member_data.get('@type')}")
            keys.append(_b64(member_data.get("key"), "member key"))
        threshold = _uint(data.get("threshold"), "multisig threshold")
        return AccountPubKey(type_url, tuple(keys), threshold)
    return AccountPubKey(str(type_url), ())


def _base_account(account: dict[str, Any]) -> dict[str, Any]:
    """Unwrap module and vesting accounts to their ``BaseAccount``."""
    for _ in range(3):
        if "base_vesting_account" in account:
            account = _dict(account["base_vesting_account"], "base_vesting_account")
        elif "base_account" in account:
            account = _dict(account["base_account"], "base_account")
        else:
            break
    return account


class PocketClient:
    """Read and broadcast against one Pocket REST endpoint (``rest_url``)."""

    def __init__(
        self,
        rest_url: str,
        *,
        timeout_s: float = 10.0,
        retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        if retries < 1:
            raise ValidationError("retries must be at least 1 (the first attempt)")
        self._base = rest_url.rstrip("/")
        self._timeout = timeout_s
        self._attempts = retries
        self._backoff = backoff_s
        self._max_backoff = max_backoff_s
        self._session = session or requests.Session()

    @classmethod
    def from_settings(cls, settings: PocketSettings, **kwargs: Any) -> PocketClient:
        return cls(settings.rest_url, timeout_s=settings.rpc_timeout_s, **kwargs)

    def close(self) -> None:
        self._session.close()

    def __repr__(self) -> str:
        return "PocketClient([endpoint not shown])"

    # -- transport ---------------------------------------------------------------------------

    def _once(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] | None,
        body: Mapping[str, Any] | None,
        not_found_ok: bool,
    ) -> dict[str, Any] | None:
        try:
            response = self._session.request(
                method, self._base + path, params=params, json=body, timeout=self._timeout
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _TransientError(f"{type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise ChainError(f"Pocket REST {method} {path}: {type(exc).__name__}") from None
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if status == 404 and not_found_ok and _is_not_found(data):
            return None
        if status >= 500 or status == 429:
            raise _TransientError(f"HTTP {status}: {_error_text(data, response)}")
        if status >= 400:
            raise ChainError(
                f"Pocket REST {method} {path} answered HTTP {status}: {_error_text(data, response)}"
            )
        if not isinstance(data, dict):
            raise _TransientError(f"HTTP {status} with a body that is not a JSON object")
        return data

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        body: Mapping[str, Any] | None = None,
        not_found_ok: bool = False,
    ) -> dict[str, Any] | None:
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "pokt_rest_retry",
                method=method,
                path=path,
                attempt=state.attempt_number,
                error=str(error),
            )

        retrying = Retrying(
            retry=retry_if_exception_type(_TransientError),
            stop=stop_after_attempt(self._attempts),
            wait=wait_random_exponential(multiplier=self._backoff, max=self._max_backoff),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, params, body, not_found_ok)
        except _TransientError as exc:
            log.error("pokt_rest_failed", method=method, path=path, error=str(exc))
            raise ChainError(
                f"Pocket REST {method} {path} failed after {self._attempts} attempts: {exc}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, path: str, params: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
        data = self._request("GET", path, params=params)
        assert data is not None
        return data

    # -- queries ------------------------------------------------------------------------------

    def latest_block(self) -> LatestBlock:
        data = self._get("/cosmos/base/tendermint/v1beta1/blocks/latest")
        block = data.get("sdk_block") or data.get("block")
        header = _dict(_dict(block, "block").get("header"), "block.header")
        chain_id = header.get("chain_id")
        if not isinstance(chain_id, str) or not chain_id:
            raise ChainError("Pocket REST: block header without chain_id")
        return LatestBlock(chain_id, _uint(header.get("height"), "block height"))

    def latest_height(self) -> int:
        return self.latest_block().height

    def chain_id(self) -> str:
        return self.latest_block().chain_id

    def account(self, address: str) -> Account | None:
        """The account, or None if the chain has never seen it."""
        address = normalize_pokt_address(address)
        data = self._request("GET", f"/cosmos/auth/v1beta1/accounts/{address}", not_found_ok=True)
        if data is None:
            return None
        account = _base_account(_dict(data.get("account"), "account"))
        reported = account.get("address")
        if not isinstance(reported, str) or normalize_pokt_address(reported) != address:
            raise ChainError("Pocket REST: account answer is for a different address")
        return Account(
            address=address,
            account_number=_uint(account.get("account_number", "0"), "account_number"),
            sequence=_uint(account.get("sequence", "0"), "sequence"),
            pubkey=parse_account_pubkey(account.get("pub_key")),
        )

    def auth_params(self) -> AuthParams:
        params = _dict(self._get("/cosmos/auth/v1beta1/params").get("params"), "params")
        return AuthParams(
            tx_sig_limit=_uint(params.get("tx_sig_limit"), "tx_sig_limit"),
            max_memo_characters=_uint(params.get("max_memo_characters"), "max_memo_characters"),
        )

    def balance(self, address: str, denom: str = "upokt") -> int:
        address = normalize_pokt_address(address)
        data = self._get(
            f"/cosmos/bank/v1beta1/balances/{address}/by_denom", params=[("denom", denom)]
        )
        balance = data.get("balance")
        if balance is None:
            return 0
        coin = _dict(balance, "balance")
        if coin.get("denom") not in (denom, None, ""):
            raise ChainError("Pocket REST: balance answer is for a different denom")
        return _uint(coin.get("amount", "0"), "balance amount", max_digits=78)

    def tx(self, tx_hash: str) -> dict[str, Any] | None:
        """The ``tx_response`` (with its decoded ``tx``) or None if the chain does not know it."""
        tx_hash = normalize_pokt_tx_hash(tx_hash)
        data = self._request("GET", f"/cosmos/tx/v1beta1/txs/{tx_hash}", not_found_ok=True)
        if data is None:
            return None
        response = dict(_dict(data.get("tx_response"), "tx_response"))
        if "tx" not in response and isinstance(data.get("tx"), dict):
            response["tx"] = data["tx"]
        return response

    def search_transfers_to(
        self, vault_address: str, min_height: int, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every tx with a transfer to ``vault_address`` at height >= ``min_height``, ascending.

        Yields raw ``tx_response`` dicts (each with its ``tx``), following page after page.
        Ascending order keeps page numbers stable while new blocks arrive.
        """
        vault = normalize_pokt_address(vault_address)
        if min_height < 0 or not 1 <= page_size <= 1000:
            raise ValidationError("min_height must be >= 0 and page_size in 1..1000")
        query = f"transfer.recipient='{vault}' AND tx.height>={min_height}"
        page = 1
        seen: set[str] = set()
        last_height = -1
        use_events = False
        while True:
            data, use_events = self._search_page(query, page, page_size, use_events)
            responses = data.get("tx_responses") or []
            txs = data.get("txs") or []
            if not isinstance(responses, list) or not isinstance(txs, list):
                raise ChainError("Pocket REST: tx search answer without a tx_responses list")
            fresh = 0
            for index, item in enumerate(responses):
                response = dict(_dict(item, "tx_response"))
                if "tx" not in response and index < len(txs) and isinstance(txs[index], dict):
                    response["tx"] = txs[index]
                txhash = str(response.get("txhash", ""))
                height = _uint(response.get("height"), "tx height")
                if height < last_height:
                    raise ChainError("Pocket REST: tx search results are not in ascending order")
                last_height = height
                if txhash in seen:
                    continue
                seen.add(txhash)
                fresh += 1
                yield response
            total = _uint(data.get("total") or "0", "total")
            if len(responses) < page_size or (total and len(seen) >= total):
                return
            if fresh == 0:
                raise ChainError("Pocket REST: tx search pagination does not advance")
            page += 1

    def tx_at_sequence(self, address: str, sequence: int) -> dict[str, Any] | None:
        """The committed tx (success or failure) signed by ``address`` at account ``sequence``,
        found through the ante handler's ``tx.acc_seq`` event; None if the index has none."""
        address = normalize_pokt_address(address)
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
            raise ValidationError(f"sequence must be a non-negative integer, got {sequence!r}")
        query = f"tx.acc_seq='{address}/{sequence}'"
        data, _ = self._search_page(query, 1, 10, False)
        responses = data.get("tx_responses") or []
        txs = data.get("txs") or []
        if not isinstance(responses, list) or not isinstance(txs, list):
            raise ChainError("Pocket REST: tx search answer without a tx_responses list")
        if not responses:
            return None
        response = dict(_dict(responses[0], "tx_response"))
        if "tx" not in response and txs and isinstance(txs[0], dict):
            response["tx"] = txs[0]
        return response

    def _search_page(
        self, query: str, page: int, limit: int, use_events: bool
    ) -> tuple[dict[str, Any], bool]:
        common = [("order_by", "ORDER_BY_ASC"), ("page", str(page)), ("limit", str(limit))]
        if not use_events:
            try:
                return self._get("/cosmos/tx/v1beta1/txs", [("query", query), *common]), False
            except ChainError as exc:
                if "event" not in str(exc).lower():
                    raise
                log.info("pokt_tx_search_events_fallback")
        events = [("events", part) for part in query.split(" AND ")]
        return self._get("/cosmos/tx/v1beta1/txs", [*events, *common]), True

    # -- broadcasting -------------------------------------------------------------------------

    def broadcast(self, tx_bytes: bytes) -> BroadcastResult:
        """Broadcast in sync mode (checked by the mempool, not yet in a block).

        Retrying is safe: the same bytes have the same hash, a repeat is at worst reported as
        already known.
        """
        data = self._request(
            "POST",
            "/cosmos/tx/v1beta1/txs",
            body={
                "tx_bytes": base64.b64encode(tx_bytes).decode("ascii"),
                "mode": "BROADCAST_MODE_SYNC",
            },
        )
        assert data is not None
        response = _dict(data.get("tx_response"), "tx_response")
        txhash = response.get("txhash")
        return BroadcastResult(
            code=_uint(response.get("code", 0), "code"),
            txhash=normalize_pokt_tx_hash(str(txhash)),
            raw_log=str(response.get("raw_log", ""))[:2000],
            codespace=str(response.get("codespace", "")),
        )

    def wait_for_tx(
        self, tx_hash: str, timeout_s: float, poll_s: float = 1.0
    ) -> dict[str, Any] | None:
        """Poll until the tx is in a block; None when ``timeout_s`` passes (outcome unknown)."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.tx(tx_hash)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                return None
            time.sleep(max(0.0, min(poll_s, deadline - time.monotonic())))


def _is_not_found(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    if data.get("code") == GRPC_NOT_FOUND:
        return True
    message = data.get("message")
    return isinstance(message, str) and "not found" in message.lower()


def _error_text(data: object, response: requests.Response) -> str:
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])[:_MAX_ERROR_TEXT]
    return response.text[:_MAX_ERROR_TEXT].replace("\n", " ") or "(empty body)"
