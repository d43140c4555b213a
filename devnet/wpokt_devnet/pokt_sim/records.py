"""What the chain keeps of txs and blocks: CheckTx answers, DeliverTx results, blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.events import Event
from wpokt_devnet.pokt_sim.tx import DecodedTx


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What a broadcast answers: code 0 and the hash, or the rejection."""

    txhash: str
    code: int = 0
    raw_log: str = ""
    gas_wanted: int = 0
    gas_used: int = 0
    error_codespace: str = codes.CODESPACE

    @property
    def codespace(self) -> str:
        return self.error_codespace if self.code else ""


@dataclass(slots=True)
class TxRecord:
    tx: DecodedTx
    height: int
    index: int
    code: int
    raw_log: str
    gas_wanted: int
    gas_used: int
    events: list[Event]
    timestamp: datetime
    data_hex: str = ""
    error_codespace: str = codes.CODESPACE

    @property
    def hash(self) -> str:
        return self.tx.hash

    @property
    def codespace(self) -> str:
        return self.error_codespace if self.code else ""

    def index_attributes(self) -> dict[str, list[str]]:
        attributes: dict[str, list[str]] = {
            "tx.height": [str(self.height)],
            "tx.hash": [self.hash],
        }
        for ev in self.events:
            for key, value in ev.attributes:
                attributes.setdefault(f"{ev.type}.{key}", []).append(value)
        return attributes


@dataclass(slots=True)
class Block:
    height: int
    time: datetime
    tx_hashes: list[str] = field(default_factory=list)
    finalize_block_events: list[Event] = field(default_factory=list)  # x/group EndBlocker

    def copy(self) -> Block:
        return Block(self.height, self.time, list(self.tx_hashes), list(self.finalize_block_events))
