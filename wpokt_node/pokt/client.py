"""Pocket (Shannon, Cosmos SDK) client: the queries and the broadcast a node needs.

Requests, retries and errors are ``rest.RestTransport``'s; the answers are parsed by
``responses``. Transactions are handed on as raw ``tx_response`` dicts so the deposit rules can
skip message types they do not know. "Not found" answers become ``None``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import requests

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.config import PocketSettings
from wpokt_node.errors import ChainError, ValidationError
from wpokt_node.logs import get_logger
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash
from wpokt_node.pokt.responses import (
    Account,
    AuthParams,
    BroadcastResult,
    LatestBlock,
    iter_tx_responses,
    parse_account,
    parse_auth_params,
    parse_balance,
    parse_broadcast,
    parse_latest_block,
    parse_tx,
    uint,
)
from wpokt_node.pokt.rest import RestTransport

log = get_logger(__name__)

_TXS = "/cosmos/tx/v1beta1/txs"


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
        self._rest = RestTransport(
            rest_url,
            timeout_s=timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            session=session,
        )

    @classmethod
    def from_settings(cls, settings: PocketSettings, **kwargs: Any) -> PocketClient:
        return cls(settings.rest_url, timeout_s=settings.rpc_timeout_s, **kwargs)

    def close(self) -> None:
        self._rest.close()

    def __repr__(self) -> str:
        return "PocketClient([endpoint not shown])"

    # -- queries ------------------------------------------------------------------------------

    def latest_block(self) -> LatestBlock:
        return parse_latest_block(self._rest.get("/cosmos/base/tendermint/v1beta1/blocks/latest"))

    def latest_height(self) -> int:
        return self.latest_block().height

    def chain_id(self) -> str:
        return self.latest_block().chain_id

    def account(self, address: str) -> Account | None:
        """The account, or None if the chain has never seen it."""
        address = normalize_pokt_address(address)
        data = self._rest.request(
            "GET", f"/cosmos/auth/v1beta1/accounts/{address}", not_found_ok=True
        )
        return None if data is None else parse_account(data, address)

    def auth_params(self) -> AuthParams:
        return parse_auth_params(self._rest.get("/cosmos/auth/v1beta1/params"))

    def balance(self, address: str, denom: str = "upokt") -> int:
        address = normalize_pokt_address(address)
        data = self._rest.get(
            f"/cosmos/bank/v1beta1/balances/{address}/by_denom", params=[("denom", denom)]
        )
        return parse_balance(data, denom)

    def tx(self, tx_hash: str) -> dict[str, Any] | None:
        """The ``tx_response`` (with its decoded ``tx``) or None if the chain does not know it."""
        tx_hash = normalize_pokt_tx_hash(tx_hash)
        data = self._rest.request("GET", f"{_TXS}/{tx_hash}", not_found_ok=True)
        return None if data is None else parse_tx(data)

    def search_transfers_to(
        self, vault_address: str, min_height: int, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every tx with a transfer to ``vault_address`` at height >= ``min_height``, ascending.

        Yields raw ``tx_response`` dicts (each with its ``tx``), following page after page.
        Ascending order keeps page numbers stable while new blocks arrive.
        """
        vault = normalize_pokt_address(vault_address)
        if min_height < 0:
            raise ValidationError("min_height must be >= 0")
        yield from self.iter_txs(
            f"transfer.recipient='{vault}' AND tx.height>={min_height}", page_size
        )

    def iter_txs(self, query: str, page_size: int = 100) -> Iterator[dict[str, Any]]:
        """Every tx matching a CometBFT event query, ascending, following page after page."""
        if not 1 <= page_size <= 1000:
            raise ValidationError("page_size must be in 1..1000")
        page = 1
        seen: set[str] = set()
        last_height = -1
        while True:
            data = self._search_page(query, page, page_size)
            count = fresh = 0
            for response in iter_tx_responses(data):
                count += 1
                txhash = str(response.get("txhash", ""))
                height = uint(response.get("height"), "tx height")
                if height < last_height:
                    raise ChainError("Pocket REST: tx search results are not in ascending order")
                last_height = height
                if txhash in seen:
                    continue
                seen.add(txhash)
                fresh += 1
                yield response
            total = uint(data.get("total") or "0", "total")
            if count < page_size or (total and len(seen) >= total):
                return
            if fresh == 0:
                raise ChainError("Pocket REST: tx search pagination does not advance")
            page += 1

    def query(
        self, path: str, params: list[tuple[str, str]] | None = None, *, not_found_ok: bool = False
    ) -> dict[str, Any] | None:
        """Any GET route of the REST gateway (``/cosmos/...``); None for "not found" when asked."""
        return self._rest.request("GET", path, params=params, not_found_ok=not_found_ok)

    def tx_at_sequence(self, address: str, sequence: int) -> dict[str, Any] | None:
        """The committed tx (success or failure) signed by ``address`` at account ``sequence``,
        found through the ante handler's ``tx.acc_seq`` event; None if the index has none."""
        address = normalize_pokt_address(address)
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
            raise ValidationError(f"sequence must be a non-negative integer, got {sequence!r}")
        data = self._search_page(f"tx.acc_seq='{address}/{sequence}'", 1, 10)
        return next(iter_tx_responses(data), None)

    def _search_page(self, query: str, page: int, limit: int) -> dict[str, Any]:
        """One page of a tx search, oldest first. Only ``query=``: the SDK v0.50+ (Shannon runs
        v0.53) no longer reads the old ``events=`` parameters (x/auth/tx/service.go)."""
        params = [("query", query), ("order_by", "ORDER_BY_ASC"), ("page", str(page))]
        return self._rest.get(_TXS, [*params, ("limit", str(limit))])

    # -- broadcasting -------------------------------------------------------------------------

    def broadcast(self, tx_bytes: bytes) -> BroadcastResult:
        """Broadcast in sync mode (checked by the mempool, not yet in a block).

        Retrying is safe: the same bytes have the same hash, a repeat is at worst reported as
        already known.
        """
        data = self._rest.post(
            _TXS,
            body={
                "tx_bytes": base64.b64encode(tx_bytes).decode("ascii"),
                "mode": "BROADCAST_MODE_SYNC",
            },
        )
        return parse_broadcast(data)

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
