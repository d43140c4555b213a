"""Connect to the shared MongoDB: majority writes, retryable writes, UTC-aware dates."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import ConfigurationError, PyMongoError

from wpokt_node.config import Settings, redact_uri
from wpokt_node.db.counters import COMMANDS
from wpokt_node.errors import DatabaseError

Document = dict[str, Any]


def _scrub(text: str, uri: str) -> str:
    """Remove the URI's password from a driver message (drivers may echo the URI)."""
    try:
        password = urlsplit(uri).password
    except ValueError:
        return "the connection string could not be parsed"
    if password:
        text = text.replace(password, "[REDACTED]")
    return text


def connect(uri: str, database: str, *, timeout_ms: int = 5000) -> Database[Document]:
    """Open ``database`` on ``uri`` and ping it; raise DatabaseError naming the redacted URI
    if the server does not answer within about ``timeout_ms``."""
    safe_uri = redact_uri(uri)
    try:
        client: MongoClient[Document] = MongoClient(
            uri,
            w="majority",
            retryWrites=True,
            tz_aware=True,
            tzinfo=UTC,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 6, 30_000),
            appname="wpokt-node",
            event_listeners=[COMMANDS],
        )
    except (ConfigurationError, PyMongoError, ValueError, TypeError) as exc:
        raise DatabaseError(
            f"invalid MongoDB connection string {safe_uri}: {_scrub(str(exc), uri)}"
        ) from None
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        client.close()
        raise DatabaseError(
            f"cannot reach MongoDB at {safe_uri} within {timeout_ms} ms "
            f"({type(exc).__name__}: {_scrub(str(exc), uri)[:300]})"
        ) from None
    return client[database]


def connect_settings(settings: Settings) -> Database[Document]:
    mongo = settings.mongodb
    return connect(mongo.uri.get_secret_value(), mongo.database, timeout_ms=mongo.timeout_ms)
