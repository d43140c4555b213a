"""Coins and ``/cosmos.bank.v1beta1.MsgSend``, as decoded from a tx body (or from the
messages of a group proposal)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.errors import TxError

MSG_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend"

_DENOM = re.compile(r"^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$")
_INT = re.compile(r"^-?[0-9]+$")


@dataclass(frozen=True, slots=True)
class Coin:
    denom: str
    amount: int

    def __str__(self) -> str:
        return f"{self.amount}{self.denom}"


def coins_str(coins: tuple[Coin, ...]) -> str:
    """The SDK's ``Coins.String()``: ``"10upokt,5uother"``; empty coins print as ``""``."""
    return ",".join(str(coin) for coin in coins)


def parse_coin(denom: str, amount: str) -> Coin:
    # sdk.Int holds at most 256 bits; longer strings fail to decode, as in the SDK.
    if not _INT.match(amount) or len(amount) > 80 or abs(int(amount)) >= 2**256:
        raise TxError(codes.TX_DECODE, f"invalid coin amount {amount[:80]!r}")
    return Coin(denom, int(amount))


def valid_denom(denom: str) -> bool:
    return bool(_DENOM.match(denom))


@dataclass(frozen=True, slots=True)
class MsgSend:
    type_url: ClassVar[str] = MSG_SEND_TYPE_URL

    from_address: str
    to_address: str
    amount: tuple[Coin, ...]

    @property
    def signers(self) -> list[str]:
        return [self.from_address]

    def to_json(self) -> dict[str, Any]:
        """The gateway's JSON of the message inside an ``Any`` (group proposals)."""
        return {
            "@type": MSG_SEND_TYPE_URL,
            "from_address": self.from_address,
            "to_address": self.to_address,
            "amount": [{"denom": c.denom, "amount": str(c.amount)} for c in self.amount],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MsgSend:
        amount = tuple(Coin(str(c["denom"]), int(c["amount"])) for c in value["amount"])
        return cls(str(value["from_address"]), str(value["to_address"]), amount)


def decode_msg_send(any_msg: any_pb2.Any) -> MsgSend:
    try:
        send = bank_tx_pb2.MsgSend.FromString(any_msg.value)
    except DecodeError as exc:
        raise TxError(codes.TX_DECODE, f"cannot decode MsgSend: {exc}") from None
    amount = tuple(parse_coin(c.denom, c.amount) for c in send.amount)
    return MsgSend(send.from_address, send.to_address, amount)
