"""Platform API errors: an HTTP status and the body ``{"error": code, "message": text}``
(the body shape and the codes are an assumption, docs/copper.md)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class PlatformError(Exception):
    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


def invalid(field: str, message: str) -> PlatformError:
    """400 ``validation-error`` naming the offending field."""
    return PlatformError(HTTPStatus.BAD_REQUEST, "validation-error", f"{field}: {message}")


def not_found(message: str) -> PlatformError:
    return PlatformError(HTTPStatus.NOT_FOUND, "not-found", message)
