"""``wpokt-node db serve`` (embedded nx-27017 server), ``db init`` and
``db create-readonly-user``."""

from __future__ import annotations

import argparse
import getpass
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from wpokt_node.config import load_config
from wpokt_node.db.bootstrap import init_db_report
from wpokt_node.db.client import connect_settings
from wpokt_node.db.readonly import AuthUnsupportedError, create_readonly_user
from wpokt_node.db.server import EmbeddedMongo
from wpokt_node.keys.passwords import resolve_password

DEFAULT_PORT = 27017


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="shared MongoDB: embedded dev server, initialisation")
    commands = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND")

    serve = commands.add_parser(
        "serve", help="run the embedded nx-27017 MongoDB wire server in the foreground"
    )
    serve.add_argument("--dir", required=True, type=Path, help="data, pid and log directory")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port on 127.0.0.1")
    serve.set_defaults(handler=_serve)

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
    readonly.set_defaults(handler=_create_readonly_user)


def _serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        print(f"error: --port must be 1-65535, got {args.port}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    server = EmbeddedMongo(args.dir, args.port)
    try:
        server.start()
        print(server.uri, flush=True)
        print(
            f"nx-27017 pid {server.pid}; data {server.data_dir}; log {server.log_file}",
            file=sys.stderr,
            flush=True,
        )
        while not stopping.wait(0.5):
            if not server.is_running():
                print(
                    f"error: nx-27017 exited unexpectedly; see {server.log_file}", file=sys.stderr
                )
                return 1
        return 0
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    try:
        created = create_readonly_user(db, user=args.user, password=password, role=args.role)
    except AuthUnsupportedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"no user was created on {settings.redacted_mongodb_uri}", file=sys.stderr)
        return 1
    finally:
        db.client.close()
    verb = "updated" if created.role_updated else "created"
    print(f"role {created.role!r} {verb}: find on {', '.join(created.collections)}")
    print(f"user {created.user!r} created in database {created.database!r} (authSource)")
    return 0
