"""Query building blocks that mean the same on every server we support.

``eq(value)`` matches a field equal to ``value``. For an ObjectId outside ``_id`` it is written
``{"$in": [value]}``: identical meaning on MongoDB, and nx-27017 does not match a plain
ObjectId equality on non-``_id`` fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson import ObjectId


def eq(value: Any) -> Any:
    return {"$in": [value]} if isinstance(value, ObjectId) else value


def match(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An equality filter on several fields (``_id`` is left as is)."""
    return {k: (v if k == "_id" else eq(v)) for k, v in fields.items()}
