"""Genesis of the Pocket simulator: chain id, parameters, funded accounts (a JSON file).

```
{
  "chain_id": "pocket",            "start_height": 1,      "block_time_s": 0,
  "min_fee_upokt": 0,              "gas_per_msg_send": 30000,     "gas_per_group_msg": 30000,
  "auth_params": {"tx_sig_limit": 7, "max_memo_characters": 256, "tx_size_cost_per_byte": 10,
                  "sig_verify_cost_ed25519": 590, "sig_verify_cost_secp256k1": 1000},
  "accounts": [{"address": "pokt1...", "balances": {"upokt": "1000000"},
                "account_number": 3, "pub_key": {"@type": "/cosmos.crypto.secp256k1.PubKey",
                "key": "<base64>"}}],
  "groups": [{"members": ["pokt1...", ...], "threshold": 9, "voting_period_s": 86400}],
  "state_file": null
}
```
Every field is optional. ``balance`` (a upokt amount) may replace ``balances``. Each of
``groups`` is a group of members of weight 1 with a threshold policy that is its own admin and
the group's (``min_execution_period`` 0), created in order after the accounts, as the SDK's
x/group genesis can hold them; the first policy's address is ``group.policy_address(1)``.
``block_time_s`` 0 means instant mode: each accepted tx is committed at once in its own block.
``index_lag_s`` delays a block's txs in the tx index (search, lookup by hash) behind the block
becoming ``blocks/latest``, as CometBFT does: it stores and reports a block before its txs are
indexed by a separate goroutine (cometbft v0.38 ``state/txindex/indexer_service.go``).
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
class GenesisGroup:
    """A group with one threshold policy that is its own admin and the group's (the SDK's group
    genesis state holds such groups; the first one's policy is ``policy_address(1)``)."""

    members: tuple[str, ...]
    threshold: int
    voting_period_s: int


@dataclass(frozen=True, slots=True)
class Genesis:
    chain_id: str = "pocket"
    start_height: int = 1
    block_time_s: float = 0.0
    index_lag_s: float = 0.0
    min_fee_upokt: int = 0
    gas_per_msg_send: int = 30000
    gas_per_group_msg: int = 30000
    auth_params: AuthParams = field(default_factory=AuthParams)
    accounts: tuple[GenesisAccount, ...] = ()
    groups: tuple[GenesisGroup, ...] = ()
    state_file: str | None = None

    @property
    def instant(self) -> bool:
        return self.block_time_s <= 0


_TOP_KEYS = {
    "chain_id",
    "start_height",
    "block_time_s",
    "index_lag_s",
    "min_fee_upokt",
    "gas_per_msg_send",
    "gas_per_group_msg",
    "auth_params",
    "accounts",
    "groups",
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


def _balances(raw: dict[str, object], where: str, problems: list[str]) -> dict[str, int]:
    """``balance`` (upokt) and/or ``balances`` (denom -> amount)."""
    balances: dict[str, int] = {}
    if "balance" in raw:
        balances[DENOM] = _int(raw["balance"], f"{where}.balance", problems)
    raw_balances = raw.get("balances", {})
    if not isinstance(raw_balances, dict):
        problems.append(f"{where}.balances: expected an object denom -> amount")
        return balances
    for denom, amount in raw_balances.items():
        balances[str(denom)] = _int(amount, f"{where}.balances.{denom}", problems)
    return balances


def _pub_key(raw: object, address: str, where: str, problems: list[str]) -> PubKey | None:
    if raw is None:
        return None
    try:
        pub_key = pubkey_from_json(raw)
    except PubKeyError as exc:
        problems.append(f"{where}.pub_key: {exc}")
        return None
    if pub_key.address != address:
        problems.append(f"{where}.pub_key: belongs to {pub_key.address}, not {address}")
    return pub_key


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
    balances = _balances(raw, where, problems)
    number = raw.get("account_number")
    account_number = None if number is None else _int(number, f"{where}.account_number", problems)
    pub_key = _pub_key(raw.get("pub_key"), address, where, problems)
    return GenesisAccount(address, balances, account_number, pub_key)


def _accounts(raw: object, problems: list[str]) -> tuple[GenesisAccount, ...]:
    """Every valid account; problems for bad entries and for duplicate addresses or numbers."""
    if not isinstance(raw, list):
        problems.append("accounts: expected a list")
        return ()
    parsed = (_account(entry, f"accounts[{index}]", problems) for index, entry in enumerate(raw))
    accounts = tuple(account for account in parsed if account is not None)
    addresses = [a.address for a in accounts]
    if len(set(addresses)) != len(addresses):
        problems.append("accounts: an address is listed twice")
    numbers = [a.account_number for a in accounts if a.account_number is not None]
    if len(set(numbers)) != len(numbers):
        problems.append("accounts: an account_number is used twice")
    return accounts


def _groups(raw: object, problems: list[str]) -> tuple[GenesisGroup, ...]:
    if not isinstance(raw, list):
        problems.append("groups: expected a list")
        return ()
    groups: list[GenesisGroup] = []
    for index, entry in enumerate(raw):
        where = f"groups[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"members", "threshold", "voting_period_s"}:
            problems.append(f"{where}: expected {{members, threshold, voting_period_s}}")
            continue
        try:
            members = tuple(normalize(str(m)) for m in entry["members"])
        except AddressError as exc:
            problems.append(f"{where}.members: {exc}")
            continue
        threshold = _int(entry["threshold"], f"{where}.threshold", problems, minimum=1)
        voting = _int(entry["voting_period_s"], f"{where}.voting_period_s", problems, minimum=1)
        groups.append(GenesisGroup(members, threshold, voting))
    return tuple(groups)


def _auth_params(raw: object, problems: list[str]) -> AuthParams:
    if not isinstance(raw, dict):
        problems.append("auth_params: expected an object")
        return AuthParams()
    known = set(AuthParams.__dataclass_fields__)
    if set(raw) - known:
        problems.append(f"auth_params: unknown keys {sorted(set(raw) - known)}")
    return AuthParams(
        **{
            key: _int(raw[key], f"auth_params.{key}", problems, minimum=1)
            for key in known & set(raw)
        }
    )


def _chain_id(raw: object, problems: list[str]) -> str:
    if not isinstance(raw, str) or not raw:
        problems.append("chain_id: expected a non-empty string")
        return "pocket"
    return raw


def _block_time(raw: object, problems: list[str]) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
        problems.append("block_time_s: expected a number >= 0")
        return 0.0
    return float(raw)


def _state_file(raw: object, problems: list[str]) -> str | None:
    if raw is not None and not isinstance(raw, str):
        problems.append("state_file: expected a path string or null")
        return None
    return raw


def genesis_from_dict(raw: object) -> Genesis:
    """Validate a genesis document; raise ConfigError listing every problem."""
    if not isinstance(raw, dict):
        raise ConfigError(["genesis must be a JSON object"])
    problems: list[str] = []
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown genesis keys {sorted(unknown)}")
    chain_id = _chain_id(raw.get("chain_id", "pocket"), problems)
    block_time = _block_time(raw.get("block_time_s", 0), problems)
    params = _auth_params(raw.get("auth_params", {}), problems)
    accounts = _accounts(raw.get("accounts", []), problems)
    state_file = _state_file(raw.get("state_file"), problems)
    genesis = Genesis(
        chain_id=chain_id,
        start_height=_int(raw.get("start_height", 1), "start_height", problems, minimum=1),
        block_time_s=block_time,
        index_lag_s=_block_time(raw.get("index_lag_s", 0), problems),
        min_fee_upokt=_int(raw.get("min_fee_upokt", 0), "min_fee_upokt", problems),
        gas_per_msg_send=_int(raw.get("gas_per_msg_send", 30000), "gas_per_msg_send", problems),
        gas_per_group_msg=_int(raw.get("gas_per_group_msg", 30000), "gas_per_group_msg", problems),
        auth_params=params,
        accounts=accounts,
        groups=_groups(raw.get("groups", []), problems),
        state_file=state_file,
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
