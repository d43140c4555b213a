"""Token amounts are integers in base units everywhere; MongoDB stores them as decimal strings."""

from __future__ import annotations

import re

from wpokt_node.errors import ValidationError

_DECIMAL = re.compile(r"[0-9]+")
MAX_UINT256 = 2**256 - 1


def parse_amount(value: object, *, what: str = "amount") -> int:
    """Parse a non-negative integer amount from an int or a decimal string (no floats, no bools)."""
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be an integer number of base units, got a boolean")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        result = int(value.strip())
    else:
        raise ValidationError(
            f"{what} must be an integer number of base units (digits only), "
            f"got {type(value).__name__}"
        )
    if result < 0 or result > MAX_UINT256:
        raise ValidationError(f"{what} out of range: {result}")
    return result


def amount_to_db(value: int) -> str:
    """The canonical stored form: a decimal string with no sign and no leading zeros."""
    return str(parse_amount(value))


def amount_from_db(value: object) -> int:
    return parse_amount(value)
