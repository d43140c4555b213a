"""Secret values whose repr/str never reveal them."""

from __future__ import annotations

import hmac
import re

REDACTED = "[REDACTED]"

# A URL of any scheme, up to whitespace, a quote or a bracket: a password in a URI cannot hold
# those without being percent-encoded (then it is one token and redacted whole).
_URL = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<rest>[^\s'\"<>()\[\]{}`]+)")
_USER = re.compile(r"[A-Za-z0-9._-]{1,64}")
# path segments that are public and useful: short words, versions, hashes, addresses
_PUBLIC_SEGMENT = re.compile(
    r"[A-Za-z0-9._~-]{0,15}|(0x)?[0-9a-fA-F]{40}|(0x)?[0-9a-fA-F]{64}|[a-z]{1,10}1[02-9ac-hj-np-z]{38,58}"
)
# query options whose values are not secrets (MongoDB connection options, paging)
_PUBLIC_QUERY_KEYS = frozenset(
    {
        "replicaset", "authsource", "authmechanism", "retrywrites", "retryreads", "w", "tls",
        "ssl", "readpreference", "appname", "directconnection", "journal", "compressors",
        "maxpoolsize", "connecttimeoutms", "sockettimeoutms", "serverselectiontimeoutms",
        "timeoutms", "height", "limit", "offset", "page", "events", "query",
        "pagination.limit", "pagination.offset", "order_by",
    }
)  # fmt: skip
_BEARER = re.compile(r"\b(?P<kind>Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b")
_NAMED_SECRET = re.compile(
    r"(?P<name>\b[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|credential|signature)[\w-]*)(?P<sep>\s*[=:]\s*)(?P<quote>[\"']?)"
    r"(?P<value>[^\s\"'&,;]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` safe to leave the process: the userinfo, secret-looking path segments, query
    values (but well-known options), and fragment of every URL of any scheme (a MongoDB URI's
    password even unescaped, with ``/``, ``@`` or ``:``); bearer tokens; AWS access key ids;
    and ``password=…``, ``api_key: …`` style values. What it cannot recognise (a secret
    printed bare) must never be printed: keys and passwords travel as ``Secret``."""
    text = _URL.sub(_redact_url, text)
    text = _BEARER.sub(lambda m: f"{m.group('kind')} {REDACTED}", text)
    text = _AWS_ACCESS_KEY.sub(REDACTED, text)
    return _NAMED_SECRET.sub(
        lambda m: (
            f"{m.group('name')}{m.group('sep')}{m.group('quote')}{REDACTED}"
            if m.group("value") != REDACTED
            else m.group(0)
        ),
        text,
    )


def _redact_url(match: re.Match[str]) -> str:
    rest = match.group("rest")
    userinfo, at, location = rest.rpartition("@")
    prefix = ""
    if at:
        user, colon, _password = userinfo.partition(":")
        keep_user = colon and _USER.fullmatch(user)
        prefix = f"{user}:{REDACTED}@" if keep_user else f"{REDACTED}@"
    else:
        location = rest
    head, hash_sign, _fragment = location.partition("#")
    head, question, query = head.partition("?")
    host, slash, path = head.partition("/")
    segments = [s if _PUBLIC_SEGMENT.fullmatch(s) else REDACTED for s in path.split("/")]
    redacted = f"{match.group('scheme')}://{prefix}{host}{slash}{'/'.join(segments)}"
    if question:
        redacted += "?" + "&".join(_redact_query_item(item) for item in query.split("&"))
    if hash_sign:
        redacted += f"#{REDACTED}"
    return redacted


def _redact_query_item(item: str) -> str:
    key, equals, value = item.partition("=")
    if not equals or not value or key.lower() in _PUBLIC_QUERY_KEYS or value == REDACTED:
        return item
    return f"{key}={REDACTED}"


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
