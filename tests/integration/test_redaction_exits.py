"""Nothing secret leaves the process: generated secrets of every shape (a URL's userinfo with
unescaped or percent-encoded characters, an API key in a URL path or query, a bearer token,
an AWS access key id, a ``Secret``) are put into an error and pushed through every exit — a
log line and its traceback, a heartbeat's error summary, an entry's error, a refusal and the
audit trail in the database, the CLI's output — and none of them comes out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from string import ascii_letters, digits
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from bson import ObjectId
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pymongo.database import Database

from tests.integration.test_control_and_readonly import write_config
from wpokt_node.config import load_config
from wpokt_node.db.nodes import heartbeat
from wpokt_node.db.schema import MINTS, NODES, Status
from wpokt_node.db.transitions import fail_entry
from wpokt_node.logs import configure_logging, get_logger
from wpokt_node.node.cli import main
from wpokt_node.node.worker import error_summary
from wpokt_node.secret import REDACTED, Secret

pytestmark = pytest.mark.security
Document = dict[str, Any]

_TOKEN_CHARS = ascii_letters + digits + "_-"
_HEX = frozenset("0123456789abcdefABCDEF")
# characters that end a URL in text; a password holding them must be percent-encoded
_URL_ENDS = set(" \t\n'\"<>()[]{}`\\")
_PASSWORD_CHARS = "".join(chr(c) for c in range(33, 127) if chr(c) not in _URL_ENDS)


def _not_a_hash(token: str) -> bool:
    """A path segment of exactly 40 or 64 hex digits reads as an address or a hash (public)."""
    return not (len(token) in (40, 64) and set(token) <= _HEX)


tokens = st.text(_TOKEN_CHARS, min_size=16, max_size=48).filter(_not_a_hash)
passwords = st.text(_PASSWORD_CHARS, min_size=8, max_size=32).filter(
    lambda p: REDACTED not in p and any(c.isalnum() for c in p)
)
users = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)


# Where a secret sits: each template holds it at ``{s}`` (``{e}``: percent-encoded).
TEMPLATES = (
    "cannot connect to mongodb://{u}:{s}@db1.internal:27017,db2:27017/wpokt?w=1: timed out",
    "connect mongodb+srv://{u}:{e}@cluster0.example.net/?retryWrites=true",
    "POST https://eth-mainnet.example.com/v2/{t} returned 429",
    "GET https://rpc.example.org/rpc?height=5&apikey={t}: 401",
    "wss://{t}@stream.example.io/ws closed",
    "request with Authorization: Bearer {t} refused",
    "provider said: api_key={t} is over quota",
    "AccessDenied for AKIA{k}",
)


@st.composite
def leaks(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(a text holding secrets, the secrets that must not come out)."""
    template = draw(st.sampled_from(TEMPLATES))
    password, token = draw(passwords), draw(tokens)
    key = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16))
    values = {"u": draw(users), "s": password, "e": quote(password, safe=""), "t": token,
              "k": key}  # fmt: skip
    secrets = {"s": [password], "e": [password, values["e"]], "t": [token], "k": ["AKIA" + key]}
    shown = next(secrets[name] for name in "setk" if "{" + name + "}" in template)
    text = template.format(**values)
    public = template.format(**{**values, **dict.fromkeys("setk", "")})
    assume(all(secret not in public for secret in shown))  # not also a public part by chance
    return text, shown


def _absent(secrets: list[str], *outputs: str) -> None:
    joined = "\n".join(outputs)
    assert REDACTED in joined  # the text did reach this exit
    for secret in secrets:
        assert secret not in joined


@contextmanager
def _captured() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    with redirect_stderr(buffer), redirect_stdout(buffer):
        yield buffer


@given(leak=leaks())
@settings(max_examples=150, deadline=None)
def test_logs_and_tracebacks_and_heartbeat_summaries(leak: tuple[str, list[str]]) -> None:
    text, secrets = leak
    with _captured() as out:
        configure_logging("info", node_id="node-0", worker="test")
        log = get_logger("redaction-test")
        log.error(text, error=text, nested={"detail": [text]}, password=Secret(secrets[0]))
        try:
            raise ConnectionError(text)
        except ConnectionError:
            log.exception("worker pass failed")
    _absent(secrets, out.getvalue(), error_summary(ConnectionError(text)))


@given(leak=leaks())
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
def test_database_records(mongo_db: Database[Document], leak: tuple[str, list[str]]) -> None:
    text, secrets = leak
    entry_id = ObjectId()
    mongo_db[MINTS].insert_one({"_id": entry_id, "status": Status.STARTED.value})
    fail_entry(mongo_db, MINTS, entry_id, expected=Status.STARTED, node_id="node-0", error=text)
    heartbeat(mongo_db, "node-0", "mint-executor", last_error=text, hold=text)
    stored = [mongo_db[MINTS].find_one({"_id": entry_id}), mongo_db[NODES].find_one({})]
    audit = list(mongo_db["audit"].find({"entry_id": entry_id}))
    _absent(secrets, repr(stored), repr(audit))


@given(leak=leaks())
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
def test_cli_output(
    mongo_db: Database[Document], tmp_path: Path, leak: tuple[str, list[str]]
) -> None:
    text, secrets = leak
    path = write_config(tmp_path, mongo_db)
    # addresses, ids and defaults (e.g. a fee cap of 10**12): `config check` prints them all
    effective = json.dumps(load_config(path).model_dump(mode="json"))
    public = (path.read_text(encoding="utf-8") + effective).lower()
    assume(not any(secret.lower() in public for secret in secrets))
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    url = next((word for word in text.split() if "://" in word), None)
    if url is not None:  # the dump of `config check` prints both endpoints
        config["ethereum"]["rpc_url"] = config["pocket"]["rest_url"] = url
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with _captured() as out:
        main(["config", "check", "--offline", str(path)])
        main(["admin", "pause", "--config", str(path), "--reason", text])
        main(["admin", "pause-status", "--config", str(path)])
        main(["admin", "resume", "--config", str(path), "--reason", text])
    printed = out.getvalue()
    _absent(secrets, printed)
