"""Keystore passwords from a file, an environment variable or an interactive prompt."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.private_file import read_private_file
from wpokt_node.secret import Secret

MAX_PASSWORD_FILE_BYTES = 4096

Prompt = Callable[[str], str]


def password_from_file(path: Path) -> Secret:
    """The file's text with exactly one trailing newline (``\\n`` or ``\\r\\n``) removed. The
    file must be this user's and readable by nobody else (as SSH demands of a private key)."""
    path = Path(path)
    raw = read_private_file(path, what="password file", max_bytes=MAX_PASSWORD_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyMaterialError(f"password file {path} is not UTF-8 text") from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise KeyMaterialError(f"password file {path} is empty")
    return Secret(text)


def password_from_env(name: str, environ: Mapping[str, str] | None = None) -> Secret:
    value = (os.environ if environ is None else environ).get(name)
    if not value:
        raise KeyMaterialError(f"password environment variable {name} is not set or empty")
    return Secret(value)


def prompt_password(*, confirm: bool, prompt: Prompt = getpass.getpass) -> Secret:
    """Ask on the terminal (no echo); with ``confirm``, ask twice and require the same answer."""
    first = prompt("Keystore password: ")
    if not first:
        raise KeyMaterialError("the password must not be empty")
    if confirm and prompt("Repeat the password: ") != first:
        raise KeyMaterialError("the two passwords differ")
    return Secret(first)


def resolve_password(
    *,
    password_file: Path | None,
    password_env: str | None,
    environ: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
    confirm: bool = False,
) -> Secret:
    """The password from the one source given; the prompt only if ``prompt`` is given."""
    if password_file is not None and password_env is not None:
        raise KeyMaterialError("give either a password file or a password variable, not both")
    if password_file is not None:
        return password_from_file(password_file)
    if password_env is not None:
        return password_from_env(password_env, environ)
    if prompt is None:
        raise KeyMaterialError("no password source: set password_file or password_env")
    return prompt_password(confirm=confirm, prompt=prompt)
