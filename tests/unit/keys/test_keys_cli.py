"""``wpokt-node keys new|import|address`` through the real entry point."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from tests.unit.keys.conftest import KEY_HEX
from wpokt_node.config import KeySettings
from wpokt_node.keys.keystore import read_keystore
from wpokt_node.keys.passwords import password_from_file
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.keys.sources import load_signer
from wpokt_node.node.cli import main

pytestmark = pytest.mark.security


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text("cli-password-42\n")
    path.chmod(0o600)
    return path


def printed_fields(text: str) -> dict[str, str]:
    return {
        name.strip(): value.strip()
        for name, value in (line.split(":", 1) for line in text.splitlines())
    }


def test_new_then_address_then_load(
    tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gas.json"
    code = main(
        ["keys", "new", "--purpose", "eth-gas", "--node-id", "node-03", "--out", str(out),
         "--password-file", str(password_file)]
    )  # fmt: skip
    assert code == 0
    created = printed_fields(capsys.readouterr().out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    keystore = read_keystore(out)
    assert keystore.purpose == "eth_gas"
    assert keystore.node_id == "node-03"

    assert main(["keys", "address", str(out)]) == 0
    shown = printed_fields(capsys.readouterr().out)
    assert shown == created
    assert shown["eth_address"] == eth_address_of(keystore.public_key)
    assert shown["pokt_address"] == pokt_address_of(keystore.public_key)
    assert shown["public_key"] == keystore.public_key.hex()

    settings = KeySettings.model_validate(
        {"source": "keystore", "path": str(out), "password_file": str(password_file)}
    )
    signer = load_signer(settings, purpose="eth_gas", node_id="node-03", environ={})
    assert signer.public_key == keystore.public_key


def test_new_refuses_to_overwrite_without_force(
    tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "k.json"
    args = ["keys", "new", "--purpose", "pokt", "--node-id", "node-03", "--out", str(out),
            "--password-file", str(password_file)]  # fmt: skip
    assert main(args) == 0
    before = out.read_bytes()
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main([*args, "--force"]) == 0
    assert out.read_bytes() != before


def test_import_from_a_file_with_password_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "raw.hex"
    key_file.write_text(f"0x{KEY_HEX}\n")
    monkeypatch.setenv("IMPORT_PW", "import-password")
    out = tmp_path / "signer.json"
    code = main(
        ["keys", "import", "--purpose", "eth-signer", "--node-id", "node-05", "--out", str(out),
         "--password-env", "IMPORT_PW", "--key-file", str(key_file)]
    )  # fmt: skip
    assert code == 0
    output = capsys.readouterr()
    assert KEY_HEX not in output.out + output.err
    expected = LocalKeySigner.from_hex(KEY_HEX)
    assert printed_fields(output.out)["eth_address"] == eth_address_of(expected.public_key)
    settings = KeySettings.model_validate(
        {"source": "keystore", "path": str(out), "password_env": "IMPORT_PW"}
    )
    signer = load_signer(
        settings, purpose="eth_signer", node_id="node-05", environ={"IMPORT_PW": "import-password"}
    )
    assert signer.public_key == expected.public_key


def test_import_from_stdin_needs_a_non_interactive_password(
    tmp_path: Path,
    password_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "pokt.json"
    base = ["keys", "import", "--purpose", "pokt", "--node-id", "node-05", "--out", str(out),
            "--key-file", "-"]  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY_HEX + "\n"))
    assert main(base) == 1
    assert "--password-file or --password-env" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY_HEX + "\n"))
    assert main([*base, "--password-file", str(password_file)]) == 0
    assert read_keystore(out).public_key == LocalKeySigner.from_hex(KEY_HEX).public_key


@pytest.mark.parametrize("text", ["abc", "zz" * 32, KEY_HEX + "00", "0" * 64])
def test_import_rejects_bad_keys_without_echoing_them(
    tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    key_file = tmp_path / "raw.hex"
    key_file.write_text(text)
    out = tmp_path / "k.json"
    code = main(
        ["keys", "import", "--purpose", "pokt", "--node-id", "node-05", "--out", str(out),
         "--password-file", str(password_file), "--key-file", str(key_file)]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "error:" in err
    assert text not in err
    assert not out.exists()


def test_key_is_never_taken_from_argv() -> None:
    with pytest.raises(SystemExit):
        main(["keys", "import", "--purpose", "pokt", "--node-id", "n", "--out", "x", KEY_HEX])


def test_prompt_is_used_when_no_password_source_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["typed-password", "typed-password"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    out = tmp_path / "k.json"
    code = main(["keys", "new", "--purpose", "pokt", "--node-id", "node-09", "--out", str(out)])
    assert code == 0
    password = tmp_path / "pw"
    password.write_text("typed-password")
    password.chmod(0o600)
    assert password_from_file(password).reveal() == "typed-password"
    settings = KeySettings.model_validate(
        {"source": "keystore", "path": str(out), "password_file": str(password)}
    )
    load_signer(settings, purpose="pokt_signer", node_id="node-09", environ={})


def test_address_of_a_world_readable_file_is_refused(
    tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "k.json"
    main(["keys", "new", "--purpose", "pokt", "--node-id", "node-03", "--out", str(out),
          "--password-file", str(password_file)])  # fmt: skip
    capsys.readouterr()
    out.chmod(0o644)
    assert main(["keys", "address", str(out)]) == 1
    assert f"chmod 600 {out}" in capsys.readouterr().err
