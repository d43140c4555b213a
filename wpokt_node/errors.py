"""The project's error hierarchy: small, typed, and safe to print (never carries a secret)."""

from __future__ import annotations


class WpoktError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(WpoktError):
    """The configuration is invalid; ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems))


class DatabaseError(WpoktError):
    """The database is unreachable or refused an operation."""


class DuplicateKeyConflictError(DatabaseError):
    """A write would give an entry the unique key that another entry holds."""


class ChainError(WpoktError):
    """An RPC provider failed, or a chain answered something we cannot accept."""


class StartupCheckError(WpoktError):
    """The node refuses to start: its view of the chains disagrees with its configuration."""


class SigningError(WpoktError):
    """A payload could not be signed, or a signature does not verify."""


class KeyMaterialError(WpoktError):
    """A key could not be loaded (bad password, corrupt file, wrong node); never shows key bytes."""


class ValidationError(WpoktError):
    """Input from a user, a chain or the shared database failed validation."""


class NotReadyError(WpoktError):
    """Not possible yet, but expected to become possible (an earlier nonce or sequence is open,
    a lease is held by another node, a deposit lacks confirmations): try again later."""
