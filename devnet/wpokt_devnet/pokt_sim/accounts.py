"""Accounts of the simulated chain, with branches that commit or vanish as a whole.

A CheckTx or DeliverTx works on a branch of the store (copy on first touch); only when it
succeeds is the branch committed into its parent, like the SDK's cache-wrapped stores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

from wpokt_devnet.pokt_sim.keys import AccountKey


@dataclass(slots=True)
class Account:
    address: str
    account_number: int
    sequence: int = 0
    pub_key: AccountKey | None = None
    balances: dict[str, int] = field(default_factory=dict)
    module_name: str = ""  # set for module accounts (fee_collector)

    def copy(self) -> Account:
        return dataclasses.replace(self, balances=dict(self.balances))

    def balance(self, denom: str) -> int:
        return self.balances.get(denom, 0)


class AccountStore:
    """Accounts by address plus the next account number; ``branch()`` gives a child view."""

    def __init__(self, parent: AccountStore | None = None, next_number: int = 0) -> None:
        self._parent = parent
        self._accounts: dict[str, Account] = {}
        self._next_number: int = parent.next_number if parent is not None else next_number

    @property
    def next_number(self) -> int:
        return self._next_number

    def get(self, address: str) -> Account | None:
        found = self._accounts.get(address)
        if found is not None or self._parent is None:
            return found
        inherited = self._parent.get(address)
        if inherited is None:
            return None
        mine = inherited.copy()
        self._accounts[address] = mine
        return mine

    def create(self, address: str, *, account_number: int | None = None) -> Account:
        if self.get(address) is not None:
            raise ValueError(f"account {address} already exists")
        if account_number is None:
            account_number = self._next_number
        self._next_number = max(self._next_number, account_number + 1)
        account = Account(address=address, account_number=account_number)
        self._accounts[address] = account
        return account

    def get_or_create(self, address: str) -> Account:
        return self.get(address) or self.create(address)

    def branch(self) -> AccountStore:
        return AccountStore(self)

    def commit(self) -> None:
        if self._parent is None:
            raise ValueError("the root store has nothing to commit into")
        self._parent._accounts.update(self._accounts)
        self._parent._next_number = max(self._parent._next_number, self._next_number)
        self._accounts = {}

    def __iter__(self) -> Iterator[Account]:
        if self._parent is not None:
            raise ValueError("only the root store can be iterated")
        return iter(list(self._accounts.values()))
