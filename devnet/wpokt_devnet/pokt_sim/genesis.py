"""Genesis of the Pocket simulator: chain id, parameters, funded accounts (a JSON file).

```
{
  "chain_id": "pocket",            "start_height": 1,      "block_time_s": 0,
  "min_fee_upokt": 0,              "gas_per_msg_send": 30000,
  "auth_params": {"tx_sig_limit": 7, "max_memo_characters": 256, "tx_size_cost_per_byte": 10,
                  "sig_verify_cost_ed25519": 590, "sig_verify_cost_secp256k1": 1000},
  "accounts": [{"address": "pokt1...", "balances": {"upokt": "1000000"},
                "account_number": 3, "pub_key": {"@type": "/cosmos.crypto.secp256k1.PubKey",
                "key": "<base64>"}}],
  "state_file": null
}
```
Every field is optional. ``balance`` (a upokt amount) may replace ``balances``.
``block_time_s`` 0 means instant mode: each accepted tx is committed at once in its own block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from wpokt_devnet.pokt_sim.addresses import AddressError, normalize
from wpokt_devnet.pokt_sim.keys import PubKey, PubKeyError, pubkey_from_json
from wpokt_node.errors import ConfigError

DENOM = "upokt"


@dataclass(frozen=True, slots=True)
class AuthParams:
    max_memo_characters: int = 256
    tx_sig_limit: int = 7
    tx_size_cost_per_byte: int = 10
    sig_verify_cost_ed25519: int = 590
    sig_verify_cost_secp256k1: int = 1000


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    address: str
    balances: dict[str, int]
    account_number: int | None = None
    pub_key: PubKey | None = None


@dataclass(frozen=True, slots=True)
class Genesis:
    chain_id: str = "pocket"
    start_height: int = 1
    block_time_s: float = 0.0
    min_fee_upokt: int = 0
    gas_per_msg_send: int = 30000
    auth_params: AuthParams = field(default_factory=AuthParams)
    accounts: tuple[GenesisAccount, ...] = ()
    state_file: str | None = None

    @property
    def instant(self) -> bool:
        return self.block_time_s <= 0


_TOP_KEYS = {
    "chain_id",
    "start_height",
    "block_time_s",
    "min_fee_upokt",
    "gas_per_msg_send",
    "auth_params",
    "accounts",
    "state_file",
}


def _int(value: object, where: str, problems: list[str], *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.append(f"{where}: expected an integer, got {type(value).__name__}")
        return minimum
    try:
        number = int(value)
    except ValueError:
        problems.append(f"{where}: not an integer: {str(value)[:40]!r}")
        return minimum
    if number < minimum:
        problems.append(f"{where}: must be >= {minimum}, got {number}")
        return minimum
    return number


def _account(raw: object, where: str, problems: list[str]) -> GenesisAccount | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an object")
        return None
    unknown = set(raw) - {"address", "balances", "balance", "account_number", "pub_key"}
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    try:
        address = normalize(str(raw.get("address", "")))
    except AddressError as exc:
        problems.append(f"{where}.address: {exc}")
        return None
    balances: dict[str, int] = {}
    if "balance" in raw:
        balances[DENOM] = _int(raw["balance"], f"{where}.balance", problems)
    raw_balances = raw.get("balances", {})
    if not isinstance(raw_balances, dict):
        problems.append(f"{where}.balances: expected an object denom -> amount")
    else:
        for denom, amount in raw_balances.items():
            balances[str(denom)] = _int(amount, f"{where}.balances.{denom}", problems)
    number = raw.get("account_number")
    account_number = None if number is None else _int(number, f"{where}.account_number", problems)
    pub_key = None
    if raw.get("pub_key") is not None:
        try:
            pub_key = pubkey_from_json(raw["pub_key"])
        except PubKeyError as exc:
            problems.append(f"{where}.pub_key: {exc}")
        else:
            if pub_key.address != address:
                problems.append(f"{where}.pub_key: belongs to {pub_key.address}, not {address}")
    return GenesisAccount(address, balances, account_number, pub_key)


def genesis_from_dict(raw: object) -> Genesis:
    """Validate a genesis document; raise ConfigError listing every problem."""
    if not isinstance(raw, dict):
        raise ConfigError(["genesis must be a JSON object"])
    problems: list[str] = []
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown genesis keys {sorted(unknown)}")
    chain_id = raw.get("chain_id", "pocket")
    if not isinstance(chain_id, str) or not chain_id:
        problems.append("chain_id: expected a non-empty string")
    block_time = raw.get("block_time_s", 0)
    if isinstance(block_time, bool) or not isinstance(block_time, int | float) or block_time < 0:
        problems.append("block_time_s: expected a number >= 0")
        block_time = 0
    params_raw = raw.get("auth_params", {})
    params = AuthParams()
    if not isinstance(params_raw, dict):
        problems.append("auth_params: expected an object")
    else:
        known = set(AuthParams.__dataclass_fields__)
        if set(params_raw) - known:
            problems.append(f"auth_params: unknown keys {sorted(set(params_raw) - known)}")
        params = AuthParams(
            **{
                key: _int(params_raw[key], f"auth_params.{key}", problems, minimum=1)
                for key in known & set(params_raw)
            }
        )
    accounts: list[GenesisAccount] = []
    raw_accounts = raw.get("accounts", [])
    if not isinstance(raw_accounts, list):
        problems.append("accounts: expected a list")
        raw_accounts = []
    for index, entry in enumerate(raw_accounts):
        account = _account(entry, f"accounts[{index}]", problems)
        if account is not None:
            accounts.append(account)
    addresses = [a.address for a in accounts]
    if len(set(addresses)) != len(addresses):
        problems.append("accounts: an address is listed twice")
    numbers = [a.account_number for a in accounts if a.account_number is not None]
    if len(set(numbers)) != len(numbers):
        problems.append("accounts: an account_number is used twice")
    state_file = raw.get("state_file")
    if state_file is not None and not isinstance(state_file, str):
        problems.append("state_file: expected a path string or null")
    genesis = Genesis(
        chain_id=chain_id if isinstance(chain_id, str) else "pocket",
        start_height=_int(raw.get("start_height", 1), "start_height", problems, minimum=1),
        block_time_s=float(block_time),
        min_fee_upokt=_int(raw.get("min_fee_upokt", 0), "min_fee_upokt", problems),
        gas_per_msg_send=_int(raw.get("gas_per_msg_send", 30000), "gas_per_msg_send", problems),
        auth_params=params,
        accounts=tuple(accounts),
        state_file=state_file if isinstance(state_file, str) else None,
    )
    if problems:
        raise ConfigError([f"Pocket simulator genesis: {p}" for p in problems])
    return genesis


def load_genesis(path: str | Path) -> Genesis:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read genesis file {path}: {exc.strerror}"]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError([f"genesis file {path} is not valid JSON: {exc}"]) from None
    return genesis_from_dict(raw)
