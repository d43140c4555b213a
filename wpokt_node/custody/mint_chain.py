"""What Ethereum says about a mint: the Minted event of its MintData, the recorded tx.

A mint is executed when the token emitted ``Minted(recipient, amount, nonce)`` for exactly this
MintData, at the configured finality; it can still execute while the recipient's nonce on the
token is below it. The token executes at most one MintData per (recipient, nonce), so a nonce
the chain used, at the configured finality, for a *different* MintData proves this one dead for
ever: the entry is prepared again with a new nonce (its deposit is never lost). A used nonce
whose ``Minted`` event this node cannot find proves nothing: it waits, with an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils.address import is_hex_address
from eth_utils.crypto import keccak

from wpokt_node.custody.base import Outcome, OutcomeKind
from wpokt_node.db.models import Entry
from wpokt_node.eth.client import EthClient, LogRecord
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.events import MINTED_TOPIC, MintedEvent, decode_minted, fee_collected_for
from wpokt_node.eth.log_scan import BlockRange
from wpokt_node.eth.mint import find_minted_event
from wpokt_node.eth.transactions import SignedTransaction
from wpokt_node.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class MintChain:
    """Reads mint outcomes from this node's Ethereum RPC."""

    eth: EthClient
    token: TokenContract
    confirmation: ConfirmationPolicy
    start_block: int
    scan_chunk_size: int

    def minted_event(self, data: MintData) -> MintedEvent | None:
        head = self.eth.block_number()
        return find_minted_event(
            self.eth,
            self.token.address,
            data.recipient,
            data.nonce,
            BlockRange(min(self.start_block, head), head),
            chunk_size=self.scan_chunk_size,
        )

    def outcome(self, entry: Entry, data: MintData) -> Outcome:
        tx_hash = entry.execution_tx_hash.lower() if entry.execution_tx_hash else None
        receipt = self.eth.receipt(tx_hash) if tx_hash else None
        if receipt is not None and receipt.status == 1 and receipt.block_number >= self.start_block:
            for record in receipt.logs:
                if _is_minted_log(record, self.token.address):
                    event = decode_minted(record)
                    if _matches(event, data, self._gross(event, receipt.logs)):
                        return self._executed(event)
        chain_nonce = self.token.get_user_nonce(data.recipient)
        if chain_nonce >= data.nonce:
            return self._nonce_used(data, chain_nonce, tx_hash)
        next_in_line = chain_nonce == data.nonce - 1
        why_not = self._not_submitted(entry, tx_hash, receipt is not None)
        if why_not is not None:
            return Outcome(OutcomeKind.NOT_SUBMITTED, tx_hash, why_not, False, next_in_line)
        return Outcome(OutcomeKind.PENDING, tx_hash, "execution tx not mined yet")

    def _not_submitted(self, entry: Entry, tx_hash: str | None, reverted: bool) -> str | None:
        """Why no execution tx of the entry can still land (None: its recorded tx can)."""
        if tx_hash is None:
            return "nothing submitted"
        if reverted:
            return "execution tx reverted"
        if recorded_raw_tx(entry) is None:
            # Not a tx any node recorded before broadcasting it: an edited entry. Another tx
            # for the same MintData is safe: the token executes one MintData per nonce.
            return "the recorded execution tx is not on chain and its bytes are not recorded"
        if self._gas_nonce_used(entry, tx_hash):
            return "execution tx can never land: its gas-key nonce was used by another tx"
        return None

    def used_nonce(self, data: MintData) -> Outcome | None:
        """What the chain did with ``data``'s nonce if it has used it, else None."""
        chain_nonce = self.token.get_user_nonce(data.recipient)
        if chain_nonce < data.nonce:
            return None
        return self._nonce_used(data, chain_nonce, None)

    def proven_dead(self, data: MintData) -> bool:
        """The chain used ``data``'s nonce for a different MintData, at finality."""
        used = self.used_nonce(data)
        return used is not None and used.kind is OutcomeKind.DEAD

    def _nonce_used(self, data: MintData, chain_nonce: int, tx_hash: str | None) -> Outcome:
        found = self.minted_event(data)
        gross = None if found is None else self._gross(found)
        if found is not None and _matches(found, data, gross):
            return self._executed(found)
        if found is not None and gross is None:
            detail = f"the tx of the Minted event of nonce {data.nonce} is not readable yet"
            return Outcome(OutcomeKind.PENDING, tx_hash, detail, on_chain=True)
        if found is None:
            detail = (
                f"the chain's nonce for {data.recipient} is {chain_nonce} but no Minted event "
                f"of nonce {data.nonce} was found on this node's RPC"
            )
            log.error("mint nonce used without a Minted event", alert=True, detail=detail)
            return Outcome(OutcomeKind.PENDING, tx_hash, detail, on_chain=True)
        detail = (
            f"nonce {data.nonce} of {data.recipient} was used by a different mint "
            f"(amount {gross} before the fee) in {found.transaction_hash}"
        )
        if not self.confirmation.check(self.eth, found.block_number).confirmed:
            return Outcome(OutcomeKind.PENDING, tx_hash, f"{detail}, awaiting confirmations", True)
        log.error("mint nonce used by a different mint", alert=True, detail=detail)
        return Outcome(OutcomeKind.DEAD, tx_hash, detail)

    def _gross(self, event: MintedEvent, logs: Sequence[LogRecord] | None = None) -> int | None:
        """What the mint of ``event`` minted in all: its net amount plus the fee the token
        collected for it in the same tx (None if this node cannot read that tx)."""
        if logs is None:
            receipt = self.eth.receipt(event.transaction_hash)
            if receipt is None:
                return None
            logs = receipt.logs
        fee = fee_collected_for(logs, self.token.address, event.log_index)
        return None if fee is None else event.amount + fee

    def _executed(self, event: MintedEvent) -> Outcome:
        tx_hash = event.transaction_hash
        if not self.confirmation.check(self.eth, event.block_number).confirmed:
            return Outcome(OutcomeKind.PENDING, tx_hash, "minted, awaiting confirmations", True)
        return Outcome(OutcomeKind.EXECUTED, tx_hash, f"Minted in {tx_hash}")

    def _gas_nonce_used(self, entry: Entry, tx_hash: str) -> bool:
        sender = entry.document.get("execution_tx_sender")
        tx_nonce = entry.document.get("execution_tx_nonce")
        if not isinstance(sender, str) or not is_hex_address(sender):
            return False
        if isinstance(tx_nonce, bool) or not isinstance(tx_nonce, int):
            return False
        mined = int(self.eth.request("eth_getTransactionCount", [sender, "latest"]), 16)
        # Re-read the receipt: the tx itself may have been mined since the first look.
        return mined > tx_nonce and self.eth.receipt(tx_hash) is None


def execution_fields(signed: SignedTransaction) -> dict[str, object]:
    """What an entry records of its mint tx before the tx is broadcast (``recorded_raw_tx``
    reads the raw bytes back)."""
    return {
        "execution_tx_raw": "0x" + signed.raw.hex(),
        "execution_tx_sender": signed.sender,
        "execution_tx_nonce": signed.nonce,
    }


def recorded_raw_tx(entry: Entry) -> bytes | None:
    """The entry's recorded execution tx (``execution_tx_raw``), if it hashes to its
    ``execution_tx_hash``; None for bytes missing, not hex, or of another tx (edited)."""
    raw_hex = entry.document.get("execution_tx_raw")
    tx_hash = (entry.execution_tx_hash or "").lower()
    if not isinstance(raw_hex, str) or not tx_hash:
        return None
    try:
        raw = bytes.fromhex(raw_hex.removeprefix("0x"))
    except ValueError:
        return None
    return raw if raw and "0x" + keccak(raw).hex() == tx_hash else None


def _matches(event: MintedEvent, data: MintData, gross: int | None) -> bool:
    """``event`` is the mint of ``data``: the signed amount is the gross one, ``Minted`` carries
    it less the token's fee (pokt-network/wpokt src/WrappedPocket.sol, mint)."""
    return event.recipient == data.recipient and event.nonce == data.nonce and gross == data.amount


def _is_minted_log(record: LogRecord, token: str) -> bool:
    return record.address == token and bool(record.topics) and record.topics[0] == MINTED_TOPIC
