"""Cosmos SDK error codes (codespace ``sdk``) the Pocket simulator answers with.

Each failure carries the SDK's code and a raw log worded like the SDK's wrapped error
(``"<detail>: <base message>"``), so the node sees what a real Pocket node would return.
"""

from __future__ import annotations

CODESPACE = "sdk"

TX_DECODE = 2
UNAUTHORIZED = 4
INSUFFICIENT_FUNDS = 5
INVALID_ADDRESS = 7
INVALID_PUBKEY = 8
UNKNOWN_ADDRESS = 9
INVALID_COINS = 10
OUT_OF_GAS = 11
MEMO_TOO_LARGE = 12
INSUFFICIENT_FEE = 13
TOO_MANY_SIGNATURES = 14
NO_SIGNATURES = 15
INVALID_REQUEST = 18
TX_IN_MEMPOOL_CACHE = 19
TX_TIMEOUT_HEIGHT = 30
UNKNOWN_EXTENSION_OPTIONS = 31
WRONG_SEQUENCE = 32

BASE_MESSAGES: dict[int, str] = {
    TX_DECODE: "tx parse error",
    UNAUTHORIZED: "unauthorized",
    INSUFFICIENT_FUNDS: "insufficient funds",
    INVALID_ADDRESS: "invalid address",
    INVALID_PUBKEY: "invalid pubkey",
    UNKNOWN_ADDRESS: "unknown address",
    INVALID_COINS: "invalid coins",
    OUT_OF_GAS: "out of gas",
    MEMO_TOO_LARGE: "memo too large",
    INSUFFICIENT_FEE: "insufficient fee",
    TOO_MANY_SIGNATURES: "maximum number of signatures exceeded",
    NO_SIGNATURES: "no signatures supplied",
    INVALID_REQUEST: "invalid request",
    TX_IN_MEMPOOL_CACHE: "tx already in mempool",
    TX_TIMEOUT_HEIGHT: "tx timeout height",
    UNKNOWN_EXTENSION_OPTIONS: "unknown extension options",
    WRONG_SEQUENCE: "incorrect account sequence",
}


class TxError(Exception):
    """A transaction rejected (CheckTx) or failed (DeliverTx) with an SDK error code."""

    def __init__(self, code: int, detail: str = "") -> None:
        if code not in BASE_MESSAGES:
            raise ValueError(f"unknown SDK error code {code}")
        self.code = code
        self.detail = detail
        super().__init__(code, detail)

    @property
    def codespace(self) -> str:
        return CODESPACE

    @property
    def raw_log(self) -> str:
        base = BASE_MESSAGES[self.code]
        return f"{self.detail}: {base}" if self.detail else base

    def __str__(self) -> str:
        return f"code {self.code}: {self.raw_log}"
