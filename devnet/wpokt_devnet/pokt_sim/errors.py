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
NOT_FOUND = 38

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
    NOT_FOUND: "not found",
}

# x/group/errors/errors.go and x/group/errors/orm.go (codespaces "group" and "legacy_orm"),
# x/authz/errors.go (codespace "authz").
MODULE_BASE_MESSAGES: dict[tuple[str, int], str] = {
    ("authz", 2): "authorization not found",
    ("group", 2): "value is empty",
    ("group", 3): "duplicate value",
    ("group", 4): "limit exceeded",
    ("group", 5): "invalid type",
    ("group", 6): "invalid value",
    ("group", 7): "unauthorized",
    ("group", 8): "modified",
    ("group", 9): "expired",
    ("legacy_orm", 13): "unique constraint violation",
}


class TxError(Exception):
    """A transaction rejected (CheckTx) or failed (DeliverTx) with an SDK error code."""

    def __init__(self, code: int, detail: str = "", *, codespace: str = CODESPACE) -> None:
        if codespace == CODESPACE and code not in BASE_MESSAGES:
            raise ValueError(f"unknown SDK error code {code}")
        if codespace != CODESPACE and (codespace, code) not in MODULE_BASE_MESSAGES:
            raise ValueError(f"unknown error code {code} of codespace {codespace}")
        self.code = code
        self.detail = detail
        self._codespace = codespace
        super().__init__(code, detail)

    @property
    def codespace(self) -> str:
        return self._codespace

    @property
    def base_message(self) -> str:
        if self._codespace == CODESPACE:
            return BASE_MESSAGES[self.code]
        return MODULE_BASE_MESSAGES[(self._codespace, self.code)]

    @property
    def raw_log(self) -> str:
        base = self.base_message
        return f"{self.detail}: {base}" if self.detail else base

    def __str__(self) -> str:
        return f"code {self.code}: {self.raw_log}"
