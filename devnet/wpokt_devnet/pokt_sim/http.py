"""HTTP front of the Pocket simulator: the Cosmos REST routes the node uses, on 127.0.0.1.

Errors follow grpc-gateway: HTTP status + ``{"code": <grpc code>, "message": ..., "details": []}``
(404/5 not found, 400/3 invalid argument, 500/2 unknown, 500/13 internal). Every handler is
wrapped so a bad request can never take the server down.

Simulator-only control route (not in any Cosmos node): ``POST /devnet/blocks {"count": N}``
produces N blocks at once (for confirmations in instant mode).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import structlog

from wpokt_devnet.pokt_sim import shapes
from wpokt_devnet.pokt_sim.addresses import AddressError, normalize
from wpokt_devnet.pokt_sim.group_http import group_query
from wpokt_devnet.pokt_sim.group_router import error_message
from wpokt_devnet.pokt_sim.group_types import GroupError, NotFoundError
from wpokt_devnet.pokt_sim.search import QueryError, parse_query
from wpokt_devnet.pokt_sim.state import ChainState

log = structlog.get_logger(__name__)

GRPC_UNKNOWN = 2
GRPC_INVALID_ARGUMENT = 3
GRPC_NOT_FOUND = 5
GRPC_INTERNAL = 13
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_SEARCH_LIMIT = 100
MAX_BLOCKS_PER_REQUEST = 10_000

_HASH = re.compile(r"^[0-9A-Fa-f]{64}$")


_Route = Callable[[list[str], dict[str, list[str]]], dict[str, Any] | None]


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, grpc_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.grpc_code = grpc_code
        self.message = message


def _not_found(message: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, GRPC_NOT_FOUND, message)


def _invalid(message: str) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, GRPC_INVALID_ARGUMENT, message)


def _address(raw: str) -> str:
    try:
        return normalize(unquote(raw))
    except AddressError as exc:
        raise _invalid(f"invalid address: {exc}") from None


def _one(query: dict[str, list[str]], name: str, default: str = "") -> str:
    values = query.get(name) or query.get(name.replace("_", "")) or [default]
    return values[-1]


def _positive_int(text: str, name: str, default: int) -> int:
    if text == "":
        return default
    if not text.isdigit():
        raise _invalid(f"{name} must be a positive integer, got {text[:40]!r}")
    return int(text)


class SimulatorApi:
    """Routes requests to the chain state; returns (status, JSON body)."""

    def __init__(self, state: ChainState) -> None:
        self.state = state

    def get(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        """Dispatch on the module (``/cosmos/<module>/v1beta1/...``); 404 for anything else."""
        parts = [p for p in path.split("/") if p]
        routes: dict[tuple[str, ...], _Route] = {
            ("cosmos", "auth", "v1beta1"): self._get_auth,
            ("cosmos", "bank", "v1beta1"): self._get_bank,
            ("cosmos", "tx", "v1beta1"): self._get_tx_route,
            ("cosmos", "base", "tendermint"): self._get_tendermint,
            ("cosmos", "group", "v1"): self._get_group,
        }
        route = routes.get(tuple(parts[:3]))
        body = route(parts[3:], query) if route else None
        if body is None:
            raise _not_found("Not Found")
        return body

    def _get_auth(self, rest: list[str], _query: dict[str, list[str]]) -> dict[str, Any] | None:
        match rest:
            case ["accounts", raw_address]:
                address = _address(raw_address)
                account = self.state.account(address)
                if account is None:
                    raise _not_found(f"account {address} not found")
                return shapes.account_body(account)
            case ["params"]:
                return shapes.params_body(self.state.genesis.auth_params)
        return None

    def _get_bank(self, rest: list[str], query: dict[str, list[str]]) -> dict[str, Any] | None:
        match rest:
            case ["balances", raw_address, "by_denom"]:
                return self._balance(_address(raw_address), _one(query, "denom"))
            case ["balances", raw_address]:
                if "denom" in query:  # the pre-0.50 form some clients still use
                    return self._balance(_address(raw_address), _one(query, "denom"))
                return shapes.all_balances_body(self.state.account(_address(raw_address)))
        return None

    def _get_tx_route(self, rest: list[str], query: dict[str, list[str]]) -> dict[str, Any] | None:
        match rest:
            case ["txs", digest]:
                return self._get_tx(digest)
            case ["txs"]:
                return self._search(query)
        return None

    def _get_group(self, rest: list[str], _query: dict[str, list[str]]) -> dict[str, Any] | None:
        try:
            query = group_query(rest, _address)
            return None if query is None else self.state.read_groups(query)
        except (GroupError, NotFoundError) as exc:  # SDK errors without a gRPC code: Unknown
            raise ApiError(
                HTTPStatus.INTERNAL_SERVER_ERROR, GRPC_UNKNOWN, error_message(exc)
            ) from None

    def _get_tendermint(
        self, rest: list[str], _query: dict[str, list[str]]
    ) -> dict[str, Any] | None:
        match rest:
            case ["v1beta1", "blocks", "latest"]:
                return self._block(self.state.height)
            case ["v1beta1", "blocks", raw_height]:
                if not raw_height.isdigit():
                    raise _invalid(f"invalid height {raw_height[:40]!r}")
                return self._block(int(raw_height))
            case ["v1beta1", "node_info"]:
                return {"default_node_info": {"network": self.state.genesis.chain_id}}
        return None

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        payload = _json_object(body)
        if path.rstrip("/") == "/cosmos/tx/v1beta1/txs":
            return self._broadcast(payload)
        if path.rstrip("/") == "/devnet/blocks":
            count = payload.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int):
                raise _invalid("count must be an integer")
            if not 1 <= count <= MAX_BLOCKS_PER_REQUEST:
                raise _invalid(f"count must be between 1 and {MAX_BLOCKS_PER_REQUEST}")
            for _ in range(count):
                self.state.produce_block()
            return {"height": str(self.state.height)}
        raise _not_found("Not Found")

    def _balance(self, address: str, denom: str) -> dict[str, Any]:
        if not denom:
            raise _invalid("invalid denom")
        account = self.state.account(address)
        return shapes.balance_body(denom, account.balance(denom) if account else 0)

    def _get_tx(self, digest: str) -> dict[str, Any]:
        if not _HASH.match(digest):
            raise _invalid(f"invalid tx hash {digest[:80]!r}")
        record = self.state.get_tx(digest)
        if record is None:
            raise _not_found(f"tx not found: {digest}")
        return shapes.get_tx_body(record)

    def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        text = _one(query, "query").strip()
        legacy = [e for e in query.get("events", []) if e.strip()]
        parts = [text] if text else []
        parts += legacy
        if not parts:
            raise _invalid("query cannot be empty")
        try:
            conditions = parse_query(" AND ".join(parts))
        except QueryError as exc:
            raise _invalid(str(exc)) from None
        order = _one(query, "order_by", "ORDER_BY_UNSPECIFIED")
        if order not in {"ORDER_BY_UNSPECIFIED", "ORDER_BY_ASC", "ORDER_BY_DESC", "0", "1", "2"}:
            raise _invalid(f"invalid order_by {order[:40]!r}")
        page = _positive_int(_one(query, "page"), "page", 1)
        limit = _positive_int(_one(query, "limit"), "limit", MAX_SEARCH_LIMIT)
        if not page or not limit:
            raise _invalid("page and limit must be positive")
        descending = order in {"ORDER_BY_DESC", "2"}
        try:
            records, total = self.state.search(
                conditions, descending=descending, page=page, limit=min(limit, MAX_SEARCH_LIMIT)
            )
        except ValueError as exc:
            raise ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, GRPC_UNKNOWN, str(exc)) from None
        return shapes.search_body(records, total)

    def _block(self, height: int) -> dict[str, Any]:
        block = self.state.block(height)
        if block is None:
            raise _invalid("requested block height is bigger then the chain length")
        return shapes.block_body(
            self.state.genesis.chain_id, block, self.state.raw_txs(block.tx_hashes)
        )

    def _broadcast(self, payload: dict[str, Any]) -> dict[str, Any]:
        mode = payload.get("mode", "BROADCAST_MODE_SYNC")
        if mode not in {"BROADCAST_MODE_SYNC", "BROADCAST_MODE_ASYNC", 2, 3}:
            raise _invalid(f"unsupported return type {mode}; supported types: sync, async")
        raw_b64 = payload.get("tx_bytes")
        if not isinstance(raw_b64, str) or not raw_b64:
            raise _invalid("invalid empty tx")
        try:
            raw = base64.b64decode(raw_b64, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid("tx_bytes is not valid base64") from None
        if not raw:
            raise _invalid("invalid empty tx")
        result = self.state.broadcast(raw)
        log.info("pokt_sim.broadcast", txhash=result.txhash, code=result.code, log=result.raw_log)
        if mode in {"BROADCAST_MODE_ASYNC", 3}:
            return shapes.broadcast_body(type(result)(result.txhash))
        return shapes.broadcast_body(result)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _invalid(f"request body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise _invalid("request body must be a JSON object")
    return payload


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: ClassVar[SimulatorApi]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self._answer(lambda: self.api.get(url.path, parse_qs(url.query, keep_blank_values=True)))

    def do_POST(self) -> None:
        length_header = self.headers.get("Content-Length", "0")
        if not length_header.isdigit() or int(length_header) > MAX_BODY_BYTES:
            self._send(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                shapes.error_body(GRPC_INVALID_ARGUMENT, "missing or oversized request body"),
            )
            self.close_connection = True
            return
        body = self.rfile.read(int(length_header))
        self._answer(lambda: self.api.post(urlsplit(self.path).path, body))

    def _answer(self, produce: Any) -> None:
        try:
            body = produce()
            status = HTTPStatus.OK
        except ApiError as exc:
            status, body = exc.status, shapes.error_body(exc.grpc_code, exc.message)
        except Exception as exc:
            log.exception("pokt_sim.internal_error", path=self.path[:200])
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            body = shapes.error_body(GRPC_INTERNAL, f"internal error: {type(exc).__name__}")
        self._send(status, body)

    def _send(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        encoded = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (structlog records broadcasts)."""


def make_server(state: ChainState, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("PoktSimHandler", (_Handler,), {"api": SimulatorApi(state)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
