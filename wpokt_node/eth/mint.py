"""Submit ``mintWrappedPocket`` with the node's gas key and find the resulting ``Minted`` event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wpokt_node.errors import ChainError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract, TokenContract
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.events import (
    MINTED_TOPIC,
    MintedEvent,
    address_topic,
    decode_minted,
    topic_hex,
    uint_topic,
)
from wpokt_node.eth.log_scan import BlockRange, LogScanner
from wpokt_node.eth.transactions import SignedTransaction, TransactionSender


@dataclass(frozen=True, slots=True)
class MintReceipt:
    tx_hash: str
    block_number: int
    block_hash: str
    minted: MintedEvent


class MintSubmitter:
    """Prepare (simulate + sign), broadcast and confirm one mint; the caller records the hash
    returned by ``prepare`` before ``broadcast``."""

    def __init__(
        self,
        controller: ControllerContract,
        token: TokenContract,
        sender: TransactionSender,
        gas_limit: int,
    ) -> None:
        self.controller = controller
        self.token = token
        self.sender = sender
        self.gas_limit = gas_limit

    def prepare(self, data: MintData, signatures: Sequence[bytes]) -> SignedTransaction:
        call = self.controller.encode_mint(data, signatures)
        self.sender.simulate(self.controller.address, call, self.gas_limit, "mintWrappedPocket")
        return self.sender.sign(self.controller.address, call, self.gas_limit)

    def broadcast(self, signed: SignedTransaction) -> str:
        return self.sender.broadcast(signed)

    def wait(self, tx_hash: str, data: MintData, timeout_s: float = 120.0) -> MintReceipt:
        receipt = self.sender.check_receipt(
            self.sender.wait_for_receipt(tx_hash, timeout_s), "mintWrappedPocket"
        )
        for log in receipt.logs:
            if log.address == self.token.address and log.topics and log.topics[0] == MINTED_TOPIC:
                event = decode_minted(log)
                if event.recipient == data.recipient and event.nonce == data.nonce:
                    return MintReceipt(tx_hash, receipt.block_number, receipt.block_hash, event)
        raise ChainError(f"mint tx {tx_hash} succeeded but has no matching Minted event")

    def submit(self, data: MintData, signatures: Sequence[bytes]) -> MintReceipt:
        signed = self.prepare(data, signatures)
        self.broadcast(signed)
        return self.wait(signed.tx_hash, data)


def find_minted_event(
    client: EthClient,
    token_address: str,
    recipient: str,
    nonce: int,
    blocks: BlockRange,
    *,
    chunk_size: int = 1000,
) -> MintedEvent | None:
    """The ``Minted`` log for (recipient, nonce) in ``blocks``, if any (both are indexed)."""
    topics: list[str | None] = [
        topic_hex(MINTED_TOPIC),
        address_topic(recipient),
        None,
        uint_topic(nonce),
    ]
    for chunk in LogScanner(client, chunk_size).scan(token_address, topics, blocks):
        for log in chunk.logs:
            return decode_minted(log)
    return None
