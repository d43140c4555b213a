"""Ethereum JSON-RPC client: web3.py underneath, every call retried (bounded, jittered).

Reads use raw JSON-RPC so responses are parsed into small typed records with exact errors;
contract calls go through web3 contract objects built from the committed ABIs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import requests
from eth_utils.address import to_checksum_address
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TooManyRequests,
    Web3RPCError,
)
from web3.providers.rpc import HTTPProvider

from wpokt_node.config import EthereumSettings
from wpokt_node.errors import ChainError
from wpokt_node.logs import get_logger
from wpokt_node.metrics import RPC_ERRORS, RPC_SECONDS

T = TypeVar("T")
log = get_logger(__name__)

BlockId = int | str
_RANGE_ERROR = re.compile(
    r"block range|range is too (large|wide)|too many (blocks|results)|more than \d+ (results|logs)"
    r"|response size|limit exceeded|query timeout|exceed(s|ed)? (max|maximum)|range limit"
    r"|returned more than",
    re.IGNORECASE,
)
_RETRYABLE_RPC_CODES = frozenset({-32000, -32005, -32603, 429})


class RpcError(ChainError):
    """The node answered a JSON-RPC error."""

    def __init__(
        self, method: str, code: int | None, message: str, data: str | None = None
    ) -> None:
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data
        super().__init__(f"ethereum RPC {method} failed: {message} (code {code})")


class LogRangeTooLargeError(RpcError):
    """The provider refused an eth_getLogs block range; scan a smaller one."""


class RpcUnavailableError(ChainError):
    """The RPC endpoint could not be reached within the retry budget."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    initial_wait_s: float = 0.5
    max_wait_s: float = 8.0


@dataclass(frozen=True, slots=True)
class BlockRef:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    base_fee_per_gas: int | None


@dataclass(frozen=True, slots=True)
class LogRecord:
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: str
    transaction_hash: str
    log_index: int
    removed: bool


@dataclass(frozen=True, slots=True)
class ReceiptRecord:
    transaction_hash: str
    status: int
    block_number: int
    block_hash: str
    gas_used: int
    logs: tuple[LogRecord, ...]


def redact_endpoint(url: str) -> str:
    """Scheme, host and port only: provider URLs often carry an API key in the path."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "[unparseable URL]"
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _hex_int(value: object, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    raise ChainError(f"unexpected {what} in RPC response: {str(value)[:80]!r}")


def _hex_bytes(value: object, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise ChainError(f"unexpected {what} in RPC response: {str(value)[:80]!r}")


def _hash_text(value: object, what: str) -> str:
    raw = _hex_bytes(value, what)
    if len(raw) != 32:
        raise ChainError(f"unexpected {what} in RPC response: not 32 bytes")
    return "0x" + raw.hex()


def parse_log(raw: dict[str, Any]) -> LogRecord:
    return LogRecord(
        address=str(to_checksum_address(str(raw["address"]))),
        topics=tuple(_hex_bytes(t, "log topic") for t in raw.get("topics", [])),
        data=_hex_bytes(raw.get("data", "0x"), "log data"),
        block_number=_hex_int(raw["blockNumber"], "log block number"),
        block_hash=_hash_text(raw["blockHash"], "log block hash"),
        transaction_hash=_hash_text(raw["transactionHash"], "log transaction hash"),
        log_index=_hex_int(raw["logIndex"], "log index"),
        removed=bool(raw.get("removed", False)),
    )


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, LogRangeTooLargeError):
        return False
    if isinstance(exc, RpcError):
        return exc.code in _RETRYABLE_RPC_CODES
    return isinstance(
        exc,
        requests.RequestException
        | ProviderConnectionError
        | RequestTimedOut
        | TooManyRequests
        | TimeoutError
        | ConnectionError,
    )


class EthClient:
    """One Ethereum endpoint. Transient failures are retried; the rest raise ChainError."""

    def __init__(
        self, rpc_url: str, *, timeout_s: float = 10.0, retry: RetryPolicy | None = None
    ) -> None:
        self.endpoint = redact_endpoint(rpc_url)
        self.retry = retry or RetryPolicy()
        provider = HTTPProvider(
            rpc_url, request_kwargs={"timeout": timeout_s}, exception_retry_configuration=None
        )
        self.w3 = Web3(provider)

    @classmethod
    def from_settings(
        cls, settings: EthereumSettings, retry: RetryPolicy | None = None
    ) -> EthClient:
        return cls(settings.rpc_url, timeout_s=settings.rpc_timeout_s, retry=retry)

    def __repr__(self) -> str:
        return f"EthClient({self.endpoint})"

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` with bounded, jittered retries on transient errors."""

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "eth_rpc_retry",
                call=what,
                endpoint=self.endpoint,
                attempt=state.attempt_number,
                error=f"{type(exc).__name__}: {exc}",
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=wait_exponential_jitter(
                multiplier=self.retry.initial_wait_s, max=self.retry.max_wait_s
            ),
            retry=retry_if_exception(_is_transient),
            before_sleep=before_sleep,
            reraise=True,
        )

        def timed() -> T:
            started = time.perf_counter()
            try:
                return fn()
            except Exception as exc:
                if _is_transient(exc):
                    RPC_ERRORS.labels("ethereum").inc()
                raise
            finally:
                RPC_SECONDS.labels("ethereum").observe(time.perf_counter() - started)

        try:
            return retrying(timed)
        except ChainError:
            raise
        except Exception as exc:
            if _is_transient(exc):
                raise RpcUnavailableError(
                    f"ethereum RPC {what} at {self.endpoint} failed after "
                    f"{self.retry.attempts} attempts: {type(exc).__name__}"
                ) from exc
            if isinstance(exc, Web3RPCError | TimeExhausted):
                raise ChainError(f"ethereum RPC {what} failed: {exc}") from exc
            raise

    def request(self, method: str, params: list[Any]) -> Any:
        """A raw JSON-RPC call (retried); returns ``result`` or raises RpcError."""

        def once() -> Any:
            response = self.w3.provider.make_request(cast(Any, method), params)
            error = response.get("error")
            if error is not None:
                code = error.get("code") if isinstance(error, dict) else None
                message = str(error.get("message") if isinstance(error, dict) else error)
                data = error.get("data") if isinstance(error, dict) else None
                if method == "eth_getLogs" and _RANGE_ERROR.search(message):
                    raise LogRangeTooLargeError(method, code, message)
                raise RpcError(method, code, message, data if isinstance(data, str) else None)
            return response.get("result")

        return self.call(method, once)

    def chain_id(self) -> int:
        return _hex_int(self.request("eth_chainId", []), "chain id")

    def balance(self, address: str) -> int:
        """The balance of ``address`` at the latest block, in wei."""
        return _hex_int(self.request("eth_getBalance", [address, "latest"]), "balance")

    def block_number(self) -> int:
        return _hex_int(self.request("eth_blockNumber", []), "block number")

    def block(self, block_id: BlockId) -> BlockRef | None:
        tag = hex(block_id) if isinstance(block_id, int) else block_id
        raw = self.request("eth_getBlockByNumber", [tag, False])
        if raw is None:
            return None
        return BlockRef(
            number=_hex_int(raw["number"], "block number"),
            hash=_hash_text(raw["hash"], "block hash"),
            parent_hash=_hash_text(raw["parentHash"], "parent hash"),
            timestamp=_hex_int(raw["timestamp"], "block timestamp"),
            base_fee_per_gas=(
                _hex_int(raw["baseFeePerGas"], "base fee") if "baseFeePerGas" in raw else None
            ),
        )

    def finalized_block_number(self) -> int:
        block = self.block("finalized")
        if block is None:
            raise ChainError(f"{self.endpoint} has no finalized block")
        return block.number

    def get_logs(
        self, address: str, topics: list[str | None], from_block: int, to_block: int
    ) -> list[LogRecord]:
        params = {
            "address": str(to_checksum_address(address)),
            "topics": topics,
            "fromBlock": hex(from_block),
            "toBlock": hex(to_block),
        }
        raw = self.request("eth_getLogs", [params])
        if not isinstance(raw, list):
            raise ChainError("eth_getLogs returned no list")
        return [parse_log(entry) for entry in raw]

    def receipt(self, tx_hash: str) -> ReceiptRecord | None:
        raw = self.request("eth_getTransactionReceipt", [tx_hash])
        if raw is None or raw.get("blockNumber") is None:
            return None
        return ReceiptRecord(
            transaction_hash=_hash_text(raw["transactionHash"], "transaction hash"),
            status=_hex_int(raw.get("status", "0x0"), "receipt status"),
            block_number=_hex_int(raw["blockNumber"], "receipt block number"),
            block_hash=_hash_text(raw["blockHash"], "receipt block hash"),
            gas_used=_hex_int(raw.get("gasUsed", "0x0"), "gas used"),
            logs=tuple(parse_log(entry) for entry in raw.get("logs", [])),
        )

    def code_at(self, address: str) -> bytes:
        return _hex_bytes(
            self.request("eth_getCode", [str(to_checksum_address(address)), "latest"]), "code"
        )

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Contract:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=abi)
