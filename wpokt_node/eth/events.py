"""Decode the token's ``BurnAndBridge`` and ``Minted`` logs (all their parameters are indexed).

A burn is identified by its tx hash and its *burn index*: its ordinal among the token's
``BurnAndBridge`` logs of its own tx (0 for the first, 1 for the second, …). A reorg can
re-include the same tx at another place in another block, which changes the log's block-wide
log index but not its burn index, so the log index only says where the burn is now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.addresses import address_from_bytes
from wpokt_node.errors import ValidationError
from wpokt_node.eth.client import LogRecord

BURN_AND_BRIDGE_SIGNATURE = "BurnAndBridge(uint256,address,address)"
MINTED_SIGNATURE = "Minted(address,uint256,uint256)"
BURN_AND_BRIDGE_TOPIC = keccak(text=BURN_AND_BRIDGE_SIGNATURE)
MINTED_TOPIC = keccak(text=MINTED_SIGNATURE)
# The deployed token's mint fee: FeeCollected(collector, fee) just before the Minted it belongs to
# (pokt-network/wpokt src/WrappedPocket.sol, _collectFee).
FEE_COLLECTED_TOPIC = keccak(text="FeeCollected(address,uint256)")


def topic_hex(topic: bytes) -> str:
    return "0x" + topic.hex()


def address_topic(address: str) -> str:
    return "0x" + bytes(12).hex() + str(to_checksum_address(address))[2:].lower()


def uint_topic(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _topic_address_bytes(topic: bytes, what: str) -> bytes:
    if len(topic) != 32 or any(topic[:12]):
        raise ValidationError(f"{what} topic is not a left-padded 20-byte address")
    return topic[12:]


def _topic_uint(topic: bytes, what: str) -> int:
    if len(topic) != 32:
        raise ValidationError(f"{what} topic is not 32 bytes")
    return int.from_bytes(topic, "big")


@dataclass(frozen=True, slots=True)
class BurnEvent:
    """One ``BurnAndBridge`` log: ``to_address`` is the ``pokt1…`` recipient; ``burn_index``
    identifies it within its tx, ``log_index`` and the block are where it is now."""

    transaction_hash: str
    burn_index: int
    log_index: int
    block_number: int
    block_hash: str
    token_address: str
    amount: int
    from_address: str
    to_address: str


@dataclass(frozen=True, slots=True)
class MintedEvent:
    transaction_hash: str
    log_index: int
    block_number: int
    block_hash: str
    recipient: str
    amount: int
    nonce: int


def burn_logs(logs: Iterable[LogRecord], token_address: str) -> list[tuple[LogRecord, int]]:
    """The token's ``BurnAndBridge`` logs among ``logs`` in log order, each with its burn index.

    ``logs`` must hold every such log of each tx it holds any of: a receipt, or the logs of
    whole blocks (a tx's logs are all in one block). A tx seen in two blocks (a provider that
    answers across a reorg) is numbered per block.
    """
    token = str(to_checksum_address(token_address))
    ordered = sorted(
        (e for e in logs if e.address == token and e.topics[:1] == (BURN_AND_BRIDGE_TOPIC,)),
        key=lambda e: (e.block_number, e.log_index),
    )
    counted: Counter[tuple[str, str]] = Counter()
    numbered = []
    for entry in ordered:
        key = (entry.transaction_hash.lower(), entry.block_hash.lower())
        numbered.append((entry, counted[key]))
        counted[key] += 1
    return numbered


def decode_burn(log: LogRecord, burn_index: int) -> BurnEvent:
    """Raise ValidationError if ``log`` is not a well-formed BurnAndBridge log; ``burn_index``
    comes from ``burn_logs``."""
    if len(log.topics) != 4 or log.topics[0] != BURN_AND_BRIDGE_TOPIC:
        raise ValidationError(
            f"log {log.transaction_hash}:{log.log_index} is not a BurnAndBridge event"
        )
    if log.data:
        raise ValidationError(f"BurnAndBridge log {log.transaction_hash} has unexpected data")
    pokt_bytes = _topic_address_bytes(log.topics[2], "poktAddress")
    from_bytes = _topic_address_bytes(log.topics[3], "from")
    return BurnEvent(
        transaction_hash=log.transaction_hash.lower(),
        burn_index=burn_index,
        log_index=log.log_index,
        block_number=log.block_number,
        block_hash=log.block_hash.lower(),
        token_address=log.address,
        amount=_topic_uint(log.topics[1], "amount"),
        from_address=str(to_checksum_address(from_bytes)),
        to_address=address_from_bytes(pokt_bytes),
    )


def fee_collected_for(
    logs: Iterable[LogRecord], token_address: str, minted_log_index: int
) -> int | None:
    """The fee the token collected for the ``Minted`` log at ``minted_log_index``: the amount of
    the token's last ``FeeCollected`` log before it, if that fee belongs to this mint alone (0
    without one: the fee was off). None when it cannot be told: the deployed token's
    ``batchMint`` collects one fee for the whole batch before all its ``Minted`` logs."""
    token = str(to_checksum_address(token_address))
    own = [r for r in sorted(logs, key=lambda r: r.log_index) if r.address == token and r.topics]
    groups: list[tuple[int, list[int]]] = [(0, [])]  # (fee, Minted log indexes after it)
    for record in own:
        if record.topics[0] == FEE_COLLECTED_TOPIC and len(record.topics) == 3:
            groups.append((_topic_uint(record.topics[2], "fee"), []))
        elif record.topics[0] == MINTED_TOPIC:
            groups[-1][1].append(record.log_index)
    for fee, minted in groups:
        if minted_log_index in minted:
            return fee if fee == 0 or len(minted) == 1 else None
    return 0


def decode_minted(log: LogRecord) -> MintedEvent:
    if len(log.topics) != 4 or log.topics[0] != MINTED_TOPIC:
        raise ValidationError(f"log {log.transaction_hash}:{log.log_index} is not a Minted event")
    return MintedEvent(
        transaction_hash=log.transaction_hash.lower(),
        log_index=log.log_index,
        block_number=log.block_number,
        block_hash=log.block_hash.lower(),
        recipient=str(to_checksum_address(_topic_address_bytes(log.topics[1], "recipient"))),
        amount=_topic_uint(log.topics[2], "amount"),
        nonce=_topic_uint(log.topics[3], "nonce"),
    )
