"""ABCI events as the SDK v0.50 emits them (attribute keys and values are plain strings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    attributes: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "attributes": [
                {"key": key, "value": value, "index": True} for key, value in self.attributes
            ],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Event:
        return cls(
            str(value["type"]),
            tuple((str(a["key"]), str(a["value"])) for a in value["attributes"]),
        )


def event(type_: str, *attributes: tuple[str, str]) -> Event:
    return Event(type_, attributes)


def coin_move_events(sender: str, recipient: str, amount: str) -> list[Event]:
    """What ``bank.SendCoins`` emits: coin_spent, coin_received, transfer, message(sender)."""
    return [
        event("coin_spent", ("spender", sender), ("amount", amount)),
        event("coin_received", ("receiver", recipient), ("amount", amount)),
        event("transfer", ("recipient", recipient), ("sender", sender), ("amount", amount)),
        event("message", ("sender", sender)),
    ]


def with_msg_index(events: list[Event], index: int) -> list[Event]:
    return [Event(e.type, (*e.attributes, ("msg_index", str(index)))) for e in events]
