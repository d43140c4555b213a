"""The main job: a local N-node bridge moves a deposit, a burn and a bad-memo refund.

Brings the devnet up, deposits POKT with a valid memo and waits for the mint, burns part of
it and waits for the POKT payout, sends a deposit with a bad memo and waits for the refund,
checks the bridge invariants, prints a summary and tears everything down. Every status change
of every entry is printed as it happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo.database import Database

from wpokt_devnet.actions import Snapshot, burn, deposit, snapshot
from wpokt_devnet.cluster import VAULT_KINDS, Devnet, down, up
from wpokt_devnet.cluster_config import GROUP, DevnetOptions
from wpokt_devnet.invariants import check_invariants
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, Status
from wpokt_node.errors import WpoktError
from wpokt_node.node.status import node_health

Document = dict[str, Any]
Say = Callable[[str], None]

DEPOSIT_UPOKT = 25_000_000  # 25 POKT
BURN_UNITS = 10_000_000  # 10 wPOKT
BAD_MEMO_UPOKT = 3_000_000  # 3 POKT


class DemoError(WpoktError):
    """The demo did not see the bridge do what it must."""


@dataclass
class StatusWatcher:
    """Prints each entry's status changes; remembers when each status was first seen."""

    db: Database[Document]
    say: Say
    seen: dict[tuple[str, str], str] = field(default_factory=dict)

    def poll(self) -> None:
        for collection in (MINTS, BURNS, REFUNDS):
            projection = {"status": 1, "transaction_hash": 1, "signers": 1, "error": 1}
            for doc in self.db[collection].find({}, projection=projection):
                key = (collection, str(doc["transaction_hash"]))
                status = str(doc["status"])
                if self.seen.get(key) != status:
                    self.seen[key] = status
                    signers = len(doc.get("signers") or [])
                    extra = f" ({signers} signatures)" if status == Status.SIGNED.value else ""
                    if status == Status.FAILED.value:
                        extra = f" error: {doc.get('error')}"
                    self.say(f"  {collection[:-1]:<6} {key[1][:18]}… {status}{extra}")

    def wait_for(self, collection: str, tx_hash: str, timeout_s: float) -> None:
        """Wait until the entry is executed."""
        deadline = time.monotonic() + timeout_s
        key = (collection, tx_hash)
        while time.monotonic() < deadline:
            self.poll()
            status = self.seen.get(key)
            if status == Status.EXECUTED.value:
                return
            if status == Status.FAILED.value:
                raise DemoError(f"the {collection[:-1]} of {tx_hash} failed")
            time.sleep(0.25)
        raise DemoError(
            f"the {collection[:-1]} of {tx_hash} was not executed within {timeout_s:.0f}s "
            f"(last status: {self.seen.get(key, 'not detected')})"
        )


def _balances(view: Snapshot, say: Say) -> None:
    say(f"  Pocket user {view.pokt_user}: {view.pokt_user_balance / 1e6:,.6f} POKT")
    say(f"  vault       {view.vault}: {view.vault_balance / 1e6:,.6f} POKT")
    say(f"  Eth user    {view.eth_user}: {view.eth_user_wpokt / 1e6:,.6f} wPOKT")
    say(f"  wPOKT total supply: {view.wpokt_supply / 1e6:,.6f}")


def run_demo(
    directory: Path,
    options: DevnetOptions,
    say: Say = print,
    timeout_s: float = 300.0,
    keep: bool = False,
) -> None:
    timings: dict[str, float] = {}
    started = time.monotonic()
    vault = VAULT_KINDS[options.custody]
    say(
        f"== starting a {options.threshold}-of-{options.nodes} devnet in {directory}: "
        f"{vault} vault, Pocket tx_sig_limit {options.tx_sig_limit} (as on mainnet)"
    )
    devnet = up(directory, options, progress=lambda message: say(f"  {message}"))
    timings["devnet up"] = time.monotonic() - started
    try:
        timings.update(round_trip(devnet, say, timeout_s))
    finally:
        if keep:
            say(f"== devnet left running; stop it with: wpokt-node devnet down --dir {directory}")
        else:
            say("== tearing down")
            down(directory)
    say("== timings")
    for name, seconds in timings.items():
        say(f"  {name:<28} {seconds:6.1f} s")
    say("== demo succeeded: deposit minted, burn paid back, bad memo refunded")


def wait_for_nodes(devnet: Devnet, timeout_s: float, say: Say = print) -> None:
    """Until every node's four workers have a fresh heartbeat (nodes started by something else:
    the compose cluster)."""
    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            waiting = [
                node_id
                for node_id in devnet.node_ids
                if not all(worker.healthy for worker in node_health(db, node_id, 30.0))
            ]
            if not waiting:
                say(f"  all {len(devnet.node_ids)} nodes healthy")
                return
            if time.monotonic() > deadline:
                raise DemoError(f"nodes not healthy after {timeout_s:.0f}s: {', '.join(waiting)}")
            time.sleep(0.5)
    finally:
        db.client.close()


def round_trip(devnet: Devnet, say: Say = print, timeout_s: float = 300.0) -> dict[str, float]:
    """On a running devnet: a deposit minted, a burn paid back, a bad memo refunded, each
    checked on the chains, then the bridge invariants. Returns each step's seconds."""
    timings: dict[str, float] = {}
    db = connect(devnet.mongodb_uri, devnet.database)
    watcher = StatusWatcher(db, say)
    try:
        eth_user = str(devnet.state["eth_user"])
        pokt_user = str(devnet.state["pokt_user"])
        # A group vault pays the whole amount (members pay the fees); a multisig or Copper
        # vault pays amount - fee out of the vault.
        kept = devnet.state.get("options") or {}
        defaults = DevnetOptions()
        custody = str(kept.get("custody", defaults.custody))
        fee = 0 if custody == GROUP else int(kept.get("fee_upokt", defaults.fee_upokt))
        start = snapshot(devnet)
        say("== balances before")
        _balances(start, say)

        say(f"== deposit {DEPOSIT_UPOKT / 1e6:g} POKT into the vault, memo -> {eth_user}")
        begin = time.monotonic()
        deposit_tx = deposit(devnet, DEPOSIT_UPOKT, eth_user)
        watcher.wait_for(MINTS, deposit_tx, timeout_s)
        timings["mint (deposit->executed)"] = time.monotonic() - begin
        minted = snapshot(devnet)
        _expect(minted.eth_user_wpokt - start.eth_user_wpokt == DEPOSIT_UPOKT, "wPOKT minted 1:1")

        say(f"== burn {BURN_UNITS / 1e6:g} wPOKT back to {pokt_user}")
        begin = time.monotonic()
        burn_tx = burn(devnet, BURN_UNITS, pokt_user).lower()
        watcher.wait_for(BURNS, burn_tx, timeout_s)
        timings["burn (burn->paid)"] = time.monotonic() - begin
        paid = snapshot(devnet)
        _expect(
            paid.pokt_user_balance - minted.pokt_user_balance == BURN_UNITS - fee,
            f"POKT paid back (amount - vault fee of {fee} upokt)",
        )

        say(f"== deposit {BAD_MEMO_UPOKT / 1e6:g} POKT with a bad memo")
        begin = time.monotonic()
        bad_tx = deposit(devnet, BAD_MEMO_UPOKT, eth_user, memo='{"address": "not an address"}')
        watcher.wait_for(REFUNDS, bad_tx, timeout_s)
        timings["refund (deposit->paid)"] = time.monotonic() - begin
        end = snapshot(devnet)
        _expect(
            paid.pokt_user_balance - end.pokt_user_balance == fee,
            f"refunded (amount - vault fee of {fee} upokt)",
        )

        report = check_invariants(
            db, wpokt_supply=end.wpokt_supply, vault_balance=end.vault_balance
        )
        _expect(report.ok, "bridge invariants: " + "; ".join(report.problems))
        say("== balances after")
        _balances(end, say)
        say("  invariants hold: supply = minted - burned; vault = deposits - refunds - payouts")
    finally:
        db.client.close()
    return timings


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise DemoError(f"check failed: {what}")
