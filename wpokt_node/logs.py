"""structlog JSON-lines logging with node/worker context and secret scrubbing."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from pydantic import SecretBytes, SecretStr

from wpokt_node.secret import REDACTED, Secret, redact

SECRET_FIELDS = frozenset(
    {"password", "private_key", "key_hex", "mnemonic", "secret", "api_secret", "uri_password"}
)
# Any field whose name contains one of these is treated as secret too (password_file is a path,
# not a secret, but hiding it costs nothing).
SECRET_FIELD_MARKERS = ("password", "passphrase", "private_key", "secret", "mnemonic", "seed")
_MAX_DEPTH = 4


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_FIELDS or any(marker in lowered for marker in SECRET_FIELD_MARKERS)


def _scrub(value: Any, depth: int = 0) -> Any:
    if isinstance(value, Secret | SecretStr | SecretBytes):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and is_secret_field(k) else _scrub(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_scrub(item, depth + 1) for item in value)
    return value


def drop_secret_fields(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace known secret fields and ``Secret`` values with ``[REDACTED]`` and strip the
    passwords out of URIs in every string (the message and formatted tracebacks included)."""
    for key in list(event):
        if is_secret_field(key):
            event[key] = REDACTED
        else:
            event[key] = _scrub(event[key])
    return event


def _current_stderr(*_args: Any) -> structlog.PrintLogger:
    """A logger writing to ``sys.stderr`` as it is when the line is logged, not when logging
    was configured (a command run in-process, under a test's capture, must not keep writing to
    a stream that was closed since)."""
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(level: str = "info", **context: str) -> None:
    """JSON lines on stderr; ``context`` (node_id, worker) is bound to every line."""
    numeric = logging.getLevelNamesMapping()[level.upper()]
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s", force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            drop_secret_fields,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_current_stderr,
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.clear_contextvars()
    if context:
        structlog.contextvars.bind_contextvars(**context)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
