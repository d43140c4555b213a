"""Re-check a recorded burn against the canonical chain before it may become ``confirmed``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wpokt_node.errors import ValidationError
from wpokt_node.eth.client import EthClient, LogRecord
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.events import BurnEvent, burn_logs, decode_burn


class BurnLogState(StrEnum):
    FOUND = "found"  # the log is on the canonical chain with the recorded data
    MISSING = "missing"  # no receipt, failed tx, no such burn, or its block is not canonical
    MISMATCH = "mismatch"  # the burn exists but its data differs from the record


@dataclass(frozen=True, slots=True)
class ExpectedBurn:
    """The fields of a stored burn entry that the chain must reproduce (``burn_index``: the
    burn's ordinal among the token's BurnAndBridge logs of its tx, see ``eth.events``)."""

    transaction_hash: str
    burn_index: int
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


def _canonical_log(
    client: EthClient, token_address: str, expected: ExpectedBurn
) -> LogRecord | BurnLogCheck:
    """The ``burn_index``-th BurnAndBridge log of the token in a successful tx of a canonical
    block (wherever the tx is now), or ``MISSING``."""
    receipt = client.receipt(expected.transaction_hash)
    if receipt is None:
        return _gone("transaction not found on the canonical chain")
    if receipt.status != 1:
        return _gone("transaction failed")
    canonical = client.block(receipt.block_number)
    if canonical is None or canonical.hash != receipt.block_hash:
        return _gone(f"block {receipt.block_number} of the receipt is not canonical")
    log = next(
        (e for e, index in burn_logs(receipt.logs, token_address) if index == expected.burn_index),
        None,
    )
    if log is None:
        return _gone(f"no BurnAndBridge number {expected.burn_index} of the token in the tx")
    return log


def _recorded_burn(log: LogRecord, expected: ExpectedBurn) -> BurnEvent | BurnLogCheck:
    """The burn log decoded, if it has the recorded data, else ``MISMATCH``."""
    try:
        event = decode_burn(log, expected.burn_index)
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

    Only ``FOUND`` with ``confirmed`` may move a burn to ``confirmed``. The event's block and
    log index come from the current receipt (a re-included tx may have moved to another block
    and another place in it).
    """
    log = _canonical_log(client, token_address, expected)
    if isinstance(log, BurnLogCheck):
        return log
    event = _recorded_burn(log, expected)
    if isinstance(event, BurnLogCheck):
        return event
    confirmation = policy.check(client, event.block_number)
    return BurnLogCheck(
        BurnLogState.FOUND, confirmation.depth, confirmation.confirmed, event, "log is canonical"
    )
