"""A read-only MongoDB user for the frontend: ``find`` on the public collections, nothing else.

The role grants exactly ``find`` on each collection of ``PUBLIC_COLLECTIONS`` of the bridge
database (not on ``leases`` or ``reservations``, no write or admin action); the user gets only
that role, in the bridge database (the frontend connects with ``authSource=<database>``).
A server without authentication (e.g. nx-27017) cannot enforce any of it, so it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.database import Database
from pymongo.errors import OperationFailure, PyMongoError

from wpokt_node.db.schema import PUBLIC_COLLECTIONS
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.secret import Secret

Document = dict[str, Any]

READ_ACTIONS = ("find",)
_ROLE_EXISTS = 51002
_USER_EXISTS = 51003


class AuthUnsupportedError(DatabaseError):
    """The server has no authentication/authorization: a read-only user would mean nothing."""


@dataclass(frozen=True, slots=True)
class ReadonlyUser:
    database: str
    user: str
    role: str
    collections: tuple[str, ...]
    role_updated: bool


def default_role(database: str) -> str:
    return f"{database}_frontend_read"


def role_privileges(
    database: str, collections: tuple[str, ...] = PUBLIC_COLLECTIONS
) -> list[Document]:
    """``find`` on each of ``collections`` of ``database``; nothing else."""
    return [
        {"resource": {"db": database, "collection": name}, "actions": list(READ_ACTIONS)}
        for name in collections
    ]


def create_role_command(
    database: str, role: str, collections: tuple[str, ...] = PUBLIC_COLLECTIONS
) -> Document:
    return {"createRole": role, "privileges": role_privileges(database, collections), "roles": []}


def create_user_command(database: str, user: str, password: Secret, role: str) -> Document:
    return {
        "createUser": user,
        "pwd": password.reveal(),
        "roles": [{"role": role, "db": database}],
    }


def check_auth_supported(db: Database[Document]) -> None:
    """A MongoDB with access control answers ``connectionStatus`` with ``authInfo``."""
    try:
        reply = db.command({"connectionStatus": 1})
    except OperationFailure as exc:
        raise AuthUnsupportedError(
            f"the server rejected connectionStatus ({exc.code}): it does not support authentication"
        ) from None
    except PyMongoError as exc:
        raise DatabaseError(f"connectionStatus failed: {exc}") from None
    if not isinstance(reply.get("authInfo"), dict):
        raise AuthUnsupportedError(
            "this MongoDB server has no authentication (connectionStatus reports no authInfo, "
            "e.g. the nx-27017 development server): a read-only user cannot be enforced. "
            "Use a MongoDB with access control (--auth / Atlas) for the frontend."
        )


def _verify_role(db: Database[Document], role: str, collections: tuple[str, ...]) -> None:
    """The server must report the role back with exactly the privileges given."""
    try:
        reply = db.command({"rolesInfo": role, "showPrivileges": True})
    except PyMongoError as exc:
        raise DatabaseError(f"rolesInfo failed: {exc}") from None
    roles = reply.get("roles")
    if not isinstance(roles, list) or not roles:
        raise AuthUnsupportedError(
            f"the server accepted role {role!r} but does not report it back: it does not "
            "support roles"
        )
    granted = {
        (p["resource"].get("collection"), tuple(sorted(p.get("actions", []))))
        for p in roles[0].get("privileges", [])
        if isinstance(p, dict) and isinstance(p.get("resource"), dict)
    }
    privileges = role_privileges(db.name, collections)
    expected = {(p["resource"]["collection"], READ_ACTIONS) for p in privileges}
    if granted != expected or roles[0].get("roles"):
        raise DatabaseError(f"role {role!r} does not hold exactly find on {', '.join(collections)}")


def create_readonly_user(
    db: Database[Document],
    *,
    user: str,
    password: Secret,
    role: str | None = None,
    collections: tuple[str, ...] = PUBLIC_COLLECTIONS,
) -> ReadonlyUser:
    """A user of ``db`` that may only ``find`` in ``collections`` (the bridge database's
    public ones, or the frontend view's database and its four collections)."""
    if not user or len(user) > 128 or any(c.isspace() for c in user):
        raise ValidationError("the user name must be 1-128 characters without spaces")
    role_name = role or default_role(db.name)
    check_auth_supported(db)
    role_updated = False
    try:
        db.command(create_role_command(db.name, role_name, collections))
    except OperationFailure as exc:
        if exc.code != _ROLE_EXISTS:
            raise DatabaseError(f"createRole {role_name!r} failed: {exc.details}") from None
        try:  # make an existing role exactly this one (idempotent re-runs)
            db.command(
                {
                    "updateRole": role_name,
                    "privileges": role_privileges(db.name, collections),
                    "roles": [],
                }
            )
        except OperationFailure as update_exc:
            raise DatabaseError(f"updateRole {role_name!r} failed: {update_exc.details}") from None
        role_updated = True
    _verify_role(db, role_name, collections)
    try:
        db.command(create_user_command(db.name, user, password, role_name))
    except OperationFailure as exc:
        if exc.code == _USER_EXISTS:
            raise DatabaseError(
                f"user {user!r} already exists in {db.name!r}; drop it or choose another name"
            ) from None
        raise DatabaseError(f"createUser {user!r} failed (code {exc.code})") from None
    return ReadonlyUser(db.name, user, role_name, collections, role_updated)
