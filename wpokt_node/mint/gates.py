"""The mint flow's gates: the rolling 24 h daily cap and the MintController's mint limit.

- Start: the allocating node starts a mint only while the cap's window allows it (under the
  ``mint-daily-cap`` lease, so two nodes do not both fill the last room).
- Sign: every signer checks the window itself, so a mint started past the cap (a race, a bug,
  a node without the cap) gathers no signatures until the window allows (``daily_cap``).
- Execute: the MintController's current mint limit must cover the amount, else the mint
  waits in ``signed`` with ``held: "mint_limit"``.
- Always (start, sign, execute): an amount the contracts can never mint is held, not signed:
  with the token's mint fee on, a gross amount that is not a multiple of 10 000 reverts
  (``held: "fee_dust"``); an amount above the controller's ``maxMintLimit`` can never fit
  (``held: "over_max_mint_limit"``). A signed mint that can never land would block every later
  nonce of its recipient; held before a nonce is taken, it blocks nothing. It is minted as soon
  as the contracts allow it (fee off, limit raised): see docs/runbooks/held-mint.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pymongo.database import Database

from wpokt_node.amounts import amount_from_db
from wpokt_node.db import leases
from wpokt_node.db.clock import now_ms
from wpokt_node.db.models import Entry
from wpokt_node.eth.contracts import (
    FEE_BASIS_POINTS,
    ControllerContract,
    MintLimit,
    TokenContract,
)
from wpokt_node.mint.daily_cap import HELD_DAILY_CAP, HELD_MINT_LIMIT, fits_to_sign, fits_to_start
from wpokt_node.payout.gates import Hold

Document = dict[str, Any]
DAILY_CAP_LEASE = "mint-daily-cap"
HELD_FEE_DUST = "fee_dust"
HELD_OVER_MAX_MINT_LIMIT = "over_max_mint_limit"


class MintGates:
    def __init__(
        self,
        *,
        db: Database[Document],
        node_id: str,
        daily_cap: int | None,
        lease_ttl_s: float,
        controller: ControllerContract | None,
        token: TokenContract,
    ) -> None:
        """``controller``: the MintController whose limits apply, None when mints do not go
        through it (Copper custody calls the token itself)."""
        self.db = db
        self.node_id = node_id
        self.daily_cap = daily_cap
        self.lease_ttl_s = lease_ttl_s
        self.controller = controller
        self.token = token

    def _cap_hold(self) -> Hold:
        return Hold(HELD_DAILY_CAP, f"daily mint cap {self.daily_cap}")

    def _never_mintable(self, amount: int, limit: MintLimit | None = None) -> Hold | None:
        """An amount the contracts refuse whatever the time: held, never signed. ``limit``: the
        controller's limit when the caller has read it already."""
        if self.token.mint_fee().dusty(amount):
            return Hold(
                HELD_FEE_DUST,
                f"the token's mint fee is on and {amount} is not a multiple of "
                f"{FEE_BASIS_POINTS}: the mint would revert (FeeBasisDust)",
            )
        if limit is None:
            if self.controller is None:
                return None
            limit = self.controller.mint_limit()
        maximum = limit.maximum
        if amount > maximum:
            return Hold(
                HELD_OVER_MAX_MINT_LIMIT,
                f"{amount} is above the MintController's maxMintLimit {maximum}",
            )
        return None

    @contextmanager
    def admit_start(self, entry: Entry) -> Iterator[Hold | None]:
        never = self._never_mintable(entry.amount)
        if never is not None or self.daily_cap is None:
            yield never
            return
        with leases.held(self.db, DAILY_CAP_LEASE, self.node_id, self.lease_ttl_s):
            fits = fits_to_start(self.db, self.daily_cap, entry.amount, now_ms())
            yield None if fits else self._cap_hold()

    def admit_sign(self, entry: Entry) -> Hold | None:
        never = self._never_mintable(entry.amount)
        if never is not None:
            return never
        if self.daily_cap is None or fits_to_sign(self.db, self.daily_cap, entry.id, now_ms()):
            return None
        return self._cap_hold()

    def admit_execute(self, entry: Entry, order: Mapping[str, Any]) -> Hold | None:
        amount = amount_from_db(order.get("amount"))
        if self.controller is None:
            return self._never_mintable(amount)
        limit = self.controller.mint_limit()
        never = self._never_mintable(amount, limit)
        if never is not None:
            return never
        available = limit.current
        if available < amount:
            return Hold(
                HELD_MINT_LIMIT, f"MintController allows {available} now, mint needs {amount}"
            )
        return None
