"""Secret values whose repr/str never reveal them."""

from __future__ import annotations

import hmac
import re

REDACTED = "[REDACTED]"

# scheme://user:password@host — a password in a URI cannot hold a raw '@', '/' or whitespace.
_URI_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@")


def redact_uri_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` URI replaced."""
    return _URI_PASSWORD.sub(lambda m: f"{m.group('head')}{REDACTED}@", text)


class Secret:
    """A secret string (password, URI with credentials, raw key hex). ``reveal()`` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret values are not picklable")
