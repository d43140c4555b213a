"""Password sources: file (one trailing newline stripped), environment, prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from wpokt_node.errors import KeyMaterialError
from wpokt_node.keys.passwords import password_from_file, prompt_password, resolve_password

pytestmark = pytest.mark.security


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"pw\n", "pw"),
        (b"pw\r\n", "pw"),
        (b"pw", "pw"),
        (b"pw\n\n", "pw\n"),
        (b" pw \n", " pw "),
        ("pässwörd\n".encode(), "pässwörd"),
    ],
)
def test_password_file_strips_one_newline_only(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    path.chmod(0o600)
    assert password_from_file(path).reveal() == expected


@pytest.mark.parametrize(("content", "message"), [(b"\n", "empty"), (b"\xff\xfe", "not UTF-8")])
def test_bad_password_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyMaterialError, match=message):
        password_from_file(path)
    with pytest.raises(KeyMaterialError, match="not found"):
        password_from_file(tmp_path / "absent")


def test_environment_password_is_used_verbatim() -> None:
    secret = resolve_password(password_file=None, password_env="PW", environ={"PW": "a b\n"})
    assert secret.reveal() == "a b\n"
    assert "a b" not in repr(secret) + str(secret)


def test_no_source_without_a_prompt_is_an_error() -> None:
    with pytest.raises(KeyMaterialError, match="no password source"):
        resolve_password(password_file=None, password_env=None, environ={})


def test_prompt_confirms_and_rejects_a_mismatch() -> None:
    answers = iter(["first-pw", "first-pw"])
    assert prompt_password(confirm=True, prompt=lambda _p: next(answers)).reveal() == "first-pw"
    answers = iter(["first-pw", "other-pw"])
    with pytest.raises(KeyMaterialError, match="differ") as caught:
        prompt_password(confirm=True, prompt=lambda _p: next(answers))
    assert "first-pw" not in str(caught.value)
    with pytest.raises(KeyMaterialError, match="must not be empty"):
        prompt_password(confirm=False, prompt=lambda _p: "")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_password_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "password"
    path.write_text("secret-password\n")
    path.chmod(mode)
    with pytest.raises(KeyMaterialError) as refused:
        password_from_file(path)
    assert f"password file {path} is accessible by group or others" in str(refused.value)
    assert f"chmod 600 {path}" in str(refused.value)
    assert "secret-password" not in str(refused.value)


def test_a_password_file_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "password"
    path.write_text("secret-password\n")
    path.chmod(0o600)
    owner = path.stat().st_uid
    monkeypatch.setattr("os.geteuid", lambda: owner + 1)  # the node runs as someone else
    with pytest.raises(KeyMaterialError, match=f"belongs to uid {owner}, not to this node's user"):
        password_from_file(path)
