"""Re-check a recorded burn against the canonical chain before it may become ``confirmed``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from eth_utils.address import to_checksum_address

from wpokt_node.errors import ValidationError
from wpokt_node.eth.client import EthClient, LogRecord
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.events import BURN_AND_BRIDGE_TOPIC, BurnEvent, decode_burn


class BurnLogState(StrEnum):
    FOUND = "found"  # the log is on the canonical chain with the recorded data
    MISSING = "missing"  # no receipt, failed tx, no such log, or its block is not canonical
    MISMATCH = "mismatch"  # a log exists there but its data differs from the record


@dataclass(frozen=True, slots=True)
class ExpectedBurn:
    """The fields of a stored burn entry that the chain must reproduce."""

    transaction_hash: str
    log_index: int
    amount: int
    from_address: str
    to_address: str


@dataclass(frozen=True, slots=True)
class BurnLogCheck:
    state: BurnLogState
    confirmations: int
    confirmed: bool
    event: BurnEvent | None
    reason: str

    @property
    def exists(self) -> bool:
        return self.state is BurnLogState.FOUND


def _gone(reason: str) -> BurnLogCheck:
    return BurnLogCheck(BurnLogState.MISSING, 0, False, None, reason)


def _mismatch(reason: str, event: BurnEvent | None = None) -> BurnLogCheck:
    return BurnLogCheck(BurnLogState.MISMATCH, 0, False, event, reason)


def _canonical_log(client: EthClient, expected: ExpectedBurn) -> LogRecord | BurnLogCheck:
    """The log at ``expected``'s place in a successful tx of a canonical block, or ``MISSING``."""
    receipt = client.receipt(expected.transaction_hash)
    if receipt is None:
        return _gone("transaction not found on the canonical chain")
    if receipt.status != 1:
        return _gone("transaction failed")
    canonical = client.block(receipt.block_number)
    if canonical is None or canonical.hash != receipt.block_hash:
        return _gone(f"block {receipt.block_number} of the receipt is not canonical")
    log = next((e for e in receipt.logs if e.log_index == expected.log_index), None)
    if log is None:
        return _gone(f"no log with index {expected.log_index} in the transaction")
    return log


def _recorded_burn(
    log: LogRecord, token_address: str, expected: ExpectedBurn
) -> BurnEvent | BurnLogCheck:
    """The log as a BurnAndBridge of the token with the recorded data, or ``MISMATCH``."""
    token = str(to_checksum_address(token_address))
    if log.address != token or not log.topics or log.topics[0] != BURN_AND_BRIDGE_TOPIC:
        return _mismatch("log is not a BurnAndBridge of the token")
    try:
        event = decode_burn(log)
    except ValidationError as exc:
        return _mismatch(str(exc))
    differences = [
        name
        for name, chain_value, stored in (
            ("amount", event.amount, expected.amount),
            ("from_address", event.from_address.lower(), expected.from_address.lower()),
            ("to_address", event.to_address, expected.to_address.lower()),
        )
        if chain_value != stored
    ]
    if differences:
        return _mismatch(f"differs in {', '.join(differences)}", event)
    return event


def check_burn_log(
    client: EthClient, token_address: str, expected: ExpectedBurn, policy: ConfirmationPolicy
) -> BurnLogCheck:
    """Whether the burn log still exists, unchanged, on the canonical chain, and its depth.

    Only ``FOUND`` with ``confirmed`` may move a burn to ``confirmed``. The height comes from
    the current receipt (a re-included tx may have moved to another block).
    """
    log = _canonical_log(client, expected)
    if isinstance(log, BurnLogCheck):
        return log
    event = _recorded_burn(log, token_address, expected)
    if isinstance(event, BurnLogCheck):
        return event
    confirmation = policy.check(client, event.block_number)
    return BurnLogCheck(
        BurnLogState.FOUND, confirmation.depth, confirmation.confirmed, event, "log is canonical"
    )
