"""Loading: one YAML file plus ``WPOKT_*`` environment overrides (the environment wins)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from wpokt_node.addresses import address_from_bytes
from wpokt_node.config.models import Settings
from wpokt_node.errors import ConfigError

ENV_PREFIX = "WPOKT_"
ENV_NESTING = "__"


def _set_path(tree: dict[str, Any], path: list[str], value: str) -> None:
    node = tree
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = _env_value(value)


def _env_value(value: str) -> Any:
    """Environment values are YAML scalars/flow collections (``12``, ``true``, ``[a, b]``)."""
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(parsed, float):
        return value  # keep as text; amounts reject floats with a clear message
    return value if parsed is None else parsed


def apply_env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> list[str]:
    """Apply ``WPOKT_A__B=v`` overrides in place; return problems for unknown top-level keys."""
    problems: list[str] = []
    known = set(Settings.model_fields)
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split(ENV_NESTING)]
        if not all(path):
            problems.append(f"{name}: malformed override name")
            continue
        if path[0] not in known:
            continue  # other WPOKT_* variables (e.g. key material named by keys.*.env_var)
        _set_path(data, path, environ[name])
    return problems


def _format_error(err: Mapping[str, Any]) -> str:
    location = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith("function-"))
    kind = err.get("type", "")
    message = str(err.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{location}: unknown key"
    if kind == "missing":
        return f"{location}: missing value"
    return f"{location}: {message}" if location else message


def parse_settings(data: object, environ: Mapping[str, str] | None = None) -> Settings:
    """Validate a config mapping (env overrides applied first); raise ConfigError listing all."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["the config file must be a mapping of keys to values"])
    tree: dict[str, Any] = dict(data)
    problems = apply_env_overrides(tree, os.environ if environ is None else environ)
    try:
        settings = Settings.model_validate(tree)
    except PydanticValidationError as exc:
        problems.extend(_format_error(e) for e in exc.errors())
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return settings


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError([f"{path}: malformed YAML{where}: {problem}"]) from None
    return parse_settings(data, environ)


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The effective config as plain data with every secret replaced by ``[REDACTED]``."""
    dumped: dict[str, Any] = settings.model_dump(mode="json")
    dumped["mongodb"]["uri"] = settings.redacted_mongodb_uri
    return dumped


# pocket.vault_address while the group vault does not exist yet: the zero address
PLACEHOLDER_VAULT = address_from_bytes(bytes(20))


def load_config_before_vault(path: Path) -> Settings:
    """The config; before the group vault exists ``pocket.vault_address`` may still be missing
    (it is then ``PLACEHOLDER_VAULT``, which no chain check accepts as a vault)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raw = None  # load_config reports it properly
    pocket = raw.get("pocket") if isinstance(raw, dict) else None
    environ = dict(os.environ)
    if isinstance(pocket, dict) and "vault_address" not in pocket:
        environ.setdefault("WPOKT_POCKET__VAULT_ADDRESS", PLACEHOLDER_VAULT)
    return load_config(path, environ)
