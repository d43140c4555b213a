"""``wpokt-node db init`` and ``db create-readonly-user``.

The embedded development server (``wpokt-node devnet db-serve``) lives in the devnet package."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from wpokt_node.config import load_config
from wpokt_node.db.bootstrap import init_db_report
from wpokt_node.db.client import connect_settings
from wpokt_node.db.readonly import AuthUnsupportedError, create_readonly_user
from wpokt_node.db.schema import FRONTEND_VIEW_COLLECTIONS, PUBLIC_COLLECTIONS
from wpokt_node.keys.passwords import resolve_password
from wpokt_node.secret import redact


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="shared MongoDB: initialisation, read-only frontend user")
    commands = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND")

    init = commands.add_parser(
        "init", help="create collections, unique indexes and validators (idempotent)"
    )
    init.add_argument("--config", required=True, metavar="FILE", help="node config file")
    init.set_defaults(handler=_init)

    readonly = commands.add_parser(
        "create-readonly-user",
        help="create a frontend user that may only `find` in the public collections",
    )
    readonly.add_argument("--config", required=True, metavar="FILE", help="node config file")
    readonly.add_argument("--user", required=True, help="the new user's name")
    readonly.add_argument(
        "--password-file", type=Path, default=None, help="file holding the new user's password"
    )
    readonly.add_argument(
        "--role", default=None, help="role name (default <database>_frontend_read)"
    )
    readonly.add_argument(
        "--frontend-view",
        action="store_true",
        help="the user of the deployed frontend: find on the view's collections in "
        "mongodb.frontend_database only (it connects with authSource=<that database>)",
    )
    readonly.set_defaults(handler=_create_readonly_user)


def _init(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    db = connect_settings(settings)
    try:
        report = init_db_report(db)
    finally:
        db.client.close()
    for action in report.actions:
        print(action)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"initialised database {db.name!r} on {settings.redacted_mongodb_uri}")
    return 0


def _user_prompt(text: str) -> str:
    return getpass.getpass(text.replace("Keystore password", "Password of the new user"))


def _create_readonly_user(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    password = resolve_password(
        password_file=args.password_file, password_env=None, prompt=_user_prompt, confirm=True
    )
    db = connect_settings(settings)
    collections = PUBLIC_COLLECTIONS
    if args.frontend_view:
        view = settings.mongodb.frontend_database
        if view is None:
            db.client.close()
            print("error: mongodb.frontend_database is not set in the config", file=sys.stderr)
            return 2
        db, collections = db.client[view], FRONTEND_VIEW_COLLECTIONS
    try:
        created = create_readonly_user(
            db, user=args.user, password=password, role=args.role, collections=collections
        )
    except AuthUnsupportedError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        print(f"no user was created on {settings.redacted_mongodb_uri}", file=sys.stderr)
        return 1
    finally:
        db.client.close()
    verb = "updated" if created.role_updated else "created"
    print(f"role {created.role!r} {verb}: find on {', '.join(created.collections)}")
    print(f"user {created.user!r} created in database {created.database!r} (authSource)")
    return 0
