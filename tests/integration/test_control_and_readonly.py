"""The pause control record, ``admin pause|resume``, and ``db create-readonly-user``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from pymongo.database import Database
from pymongo.errors import OperationFailure

from tests.fixtures.mint_cluster import cluster_members, cluster_validators
from wpokt_node.db.control import parse_bridge_pause, pause_history, read_bridge_pause
from wpokt_node.db.readonly import (
    AuthUnsupportedError,
    create_readonly_user,
    create_role_command,
    role_privileges,
)
from wpokt_node.db.schema import CONTROL, FRONTEND_VIEW_COLLECTIONS, PUBLIC_COLLECTIONS
from wpokt_node.keys.signer import eth_address_of
from wpokt_node.node.cli import main
from wpokt_node.pokt.multisig import vault_address
from wpokt_node.secret import Secret

pytestmark = pytest.mark.security

Document = dict[str, Any]


def write_config(tmp_path: Path, db: Database[Document]) -> Path:
    client: Any = db.client
    host, port = client.address
    members = [m.public_key.hex() for m in cluster_members()]
    config = {
        "node_id": "node-0",
        "cluster": {"nodes": 3, "threshold": 2},
        "mongodb": {"uri": f"mongodb://{host}:{port}", "database": db.name},
        "ethereum": {
            "rpc_url": "http://127.0.0.1:1",
            "chain_id": 31337,
            "token_address": "0x" + "11" * 20,
            "mint_controller_address": "0x" + "22" * 20,
            "validator_addresses": [eth_address_of(v.public_key) for v in cluster_validators()],
        },
        "pocket": {
            "rest_url": "http://127.0.0.1:1",
            "vault_address": vault_address(2, members),
            "member_public_keys": members,
        },
        "keys": {
            name: {"source": "env", "env_var": "UNUSED"}
            for name in ("eth_signer", "pokt_signer", "eth_gas")
        },
    }
    path = tmp_path / "node.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_admin_pause_and_resume_write_the_record_and_its_history(
    mongo_db: Database[Document], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, mongo_db))
    assert not read_bridge_pause(mongo_db).paused  # no record: running

    assert main(["admin", "pause", "--config", config, "--reason", "audit finding"]) == 0
    state = read_bridge_pause(mongo_db)
    assert (state.paused, state.reason, state.seq) == (True, "audit finding", 1)
    assert state.by is not None
    assert state.by.endswith("@node-0")
    assert "PAUSED by" in capsys.readouterr().out

    assert main(["admin", "resume", "--config", config]) == 0
    state = read_bridge_pause(mongo_db)
    assert (state.paused, state.reason, state.seq) == (False, None, 2)
    history = pause_history(mongo_db)
    assert [(h["seq"], h["paused"] in (True, 1)) for h in history] == [(2, False), (1, True)]

    capsys.readouterr()
    assert main(["admin", "pause-status", "--config", config]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bridge running (change #2")
    assert "resume by" in out
    assert "pause  by" in out
    assert "audit finding" in out


@pytest.mark.parametrize(
    ("document", "paused"),
    [
        (None, False),
        ({"paused": False}, False),
        ({"paused": 0}, False),
        ({"paused": 1}, True),
        ({"paused": "no"}, True),  # unreadable: fail closed
        ({}, True),
    ],
)
def test_an_unreadable_pause_record_counts_as_paused(
    document: Document | None, paused: bool
) -> None:
    assert parse_bridge_pause(document).paused is paused


def test_a_malformed_record_in_the_database_pauses_the_bridge(mongo_db: Database[Document]) -> None:
    mongo_db[CONTROL].insert_one({"_id": "bridge", "paused": "maybe"})
    state = read_bridge_pause(mongo_db)
    assert state.paused
    assert "unreadable" in (state.reason or "")


def test_the_readonly_role_grants_only_find_on_the_public_collections() -> None:
    privileges = role_privileges("wpokt")
    assert {p["resource"]["collection"] for p in privileges} == {
        "mints",
        "refunds",
        "burns",
        "nodes",
        "audit",
        "control",
    }
    assert all(p["actions"] == ["find"] and p["resource"]["db"] == "wpokt" for p in privileges)
    assert "leases" not in PUBLIC_COLLECTIONS
    assert "reservations" not in PUBLIC_COLLECTIONS
    assert create_role_command("wpokt", "r")["roles"] == []


class AuthServer:
    """Answers the commands of a MongoDB with access control (what create_readonly_user uses)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: list[Document] = []
        self.roles: dict[str, Document] = {}
        self.users: set[str] = set()

    def command(self, command: Document) -> Document:
        self.commands.append(command)
        verb = next(iter(command))
        if verb == "connectionStatus":
            return {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}, "ok": 1}
        if verb == "createRole":
            if command["createRole"] in self.roles:
                raise OperationFailure("Role already exists", code=51002)
            self.roles[command["createRole"]] = command
            return {"ok": 1}
        if verb == "updateRole":
            self.roles[command["updateRole"]] = command
            return {"ok": 1}
        if verb == "rolesInfo":
            role = self.roles[command["rolesInfo"]]
            return {"roles": [{"privileges": role["privileges"], "roles": []}], "ok": 1}
        if verb == "createUser":
            if command["createUser"] in self.users:
                raise OperationFailure("User already exists", code=51003)
            self.users.add(command["createUser"])
            return {"ok": 1}
        raise AssertionError(f"unexpected command {verb}")


def test_create_readonly_user_on_a_server_with_access_control() -> None:
    server: Any = AuthServer("wpokt")
    created = create_readonly_user(server, user="frontend", password=Secret("pw-123456"))
    assert (created.role, created.role_updated) == ("wpokt_frontend_read", False)
    user_command = server.commands[-1]
    assert user_command["roles"] == [{"role": "wpokt_frontend_read", "db": "wpokt"}]
    assert [next(iter(c)) for c in server.commands] == [
        "connectionStatus",
        "createRole",
        "rolesInfo",
        "createUser",
    ]
    # a second run updates the role and refuses to replace the existing user
    with pytest.raises(Exception, match="already exists"):
        create_readonly_user(server, user="frontend", password=Secret("pw-123456"))
    assert "updateRole" in [next(iter(c)) for c in server.commands]


def test_create_readonly_user_refuses_a_server_without_authentication(
    mongo_db: Database[Document], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.environ.get("MONGODB_URI"):
        pytest.skip("the configured server may have authentication")
    with pytest.raises(AuthUnsupportedError):
        create_readonly_user(mongo_db, user="frontend", password=Secret("pw"))
    password = tmp_path / "password"
    password.write_text("s3cret-pass\n", encoding="utf-8")
    password.chmod(0o600)
    config = str(write_config(tmp_path, mongo_db))
    code = main(
        [
            "db",
            "create-readonly-user",
            "--config",
            config,
            "--user",
            "frontend",
            "--password-file",
            str(password),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "has no authentication" in captured.err
    assert "no user was created" in captured.err
    assert "s3cret-pass" not in captured.out + captured.err


def test_the_frontend_views_user_may_only_find_in_the_views_four_collections() -> None:
    server: Any = AuthServer("wpokt_frontend")
    created = create_readonly_user(server, user="frontend", password=Secret("pw-123456"),
                                   collections=FRONTEND_VIEW_COLLECTIONS)  # fmt: skip
    role = server.roles[created.role]
    granted = {(p["resource"]["db"], p["resource"]["collection"], tuple(p["actions"]))
               for p in role["privileges"]}  # fmt: skip
    assert granted == {
        ("wpokt_frontend", name, ("find",))
        for name in ("mints", "invalidMints", "burns", "healthchecks")
    }
    assert server.commands[-1]["roles"] == [{"role": created.role, "db": "wpokt_frontend"}]
