"""CometBFT tx-search queries: ``transfer.recipient='pokt1…' AND tx.height>=5``.

Supported: conditions joined by ``AND``; operators ``=``, ``<``, ``<=``, ``>``, ``>=``,
``CONTAINS`` and ``EXISTS``; values are 'quoted strings' or numbers. Like the CometBFT kv
indexer, a condition holds when any indexed attribute with that composite key
(``<event type>.<attribute key>``, plus ``tx.height`` and ``tx.hash``) satisfies it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_CONDITION = re.compile(
    r"\s*(?P<key>[A-Za-z0-9_.\-/]+)\s*(?P<op><=|>=|=|<|>|\bCONTAINS\b|\bEXISTS\b)\s*"
    r"(?:'(?P<text>[^']*)'|(?P<number>-?[0-9]+(?:\.[0-9]+)?))?\s*"
)
_AND = re.compile(r"AND\b")


class QueryError(ValueError):
    """The query is not valid CometBFT query syntax (or uses a form the simulator lacks)."""


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    op: str
    text: str | None = None
    number: Decimal | None = None

    def holds(self, values: Sequence[str]) -> bool:
        return any(self._holds_for(value) for value in values)

    def _holds_for(self, value: str) -> bool:
        if self.op == "EXISTS":
            return True
        if self.op == "CONTAINS":
            return self.text is not None and self.text in value
        if self.number is not None:
            try:
                actual = Decimal(value)
            except InvalidOperation:
                return False
            target = self.number
        else:
            if self.op != "=":
                return False
            return value == self.text
        return {
            "=": actual == target,
            "<": actual < target,
            "<=": actual <= target,
            ">": actual > target,
            ">=": actual >= target,
        }[self.op]


def parse_query(query: str) -> list[Condition]:
    conditions: list[Condition] = []
    position = 0
    text = query.strip()
    if not text:
        raise QueryError("query cannot be empty")
    while True:
        match = _CONDITION.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"failed to parse query at position {position}: {text[:200]!r}")
        op = match.group("op")
        has_value = match.group("text") is not None or match.group("number") is not None
        if op == "EXISTS" and has_value:
            raise QueryError("EXISTS takes no value")
        if op != "EXISTS" and not has_value:
            raise QueryError(f"condition on {match.group('key')!r} has no value")
        if op == "CONTAINS" and match.group("text") is None:
            raise QueryError("CONTAINS needs a quoted string")
        number = match.group("number")
        conditions.append(
            Condition(
                key=match.group("key"),
                op=op,
                text=match.group("text"),
                number=Decimal(number) if number is not None else None,
            )
        )
        position = match.end()
        if position >= len(text):
            return conditions
        joiner = _AND.match(text, position)
        if joiner is None:
            raise QueryError(f"expected AND at position {position}: {text[:200]!r}")
        position = joiner.end()


def matches(conditions: Sequence[Condition], attributes: Mapping[str, Sequence[str]]) -> bool:
    return all(condition.holds(attributes.get(condition.key, ())) for condition in conditions)
