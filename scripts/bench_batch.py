"""The batch part of ``make bench``: a burst of deposits, then burns, through a devnet (behind the
database latency proxy at each round trip), measured from the outside.

Latency is ``confirmed`` to ``executed`` as the entries' own transitions record it; an entry's
place in the queue is its rank by the time it was confirmed. CPU and RSS come from /proc for
every node's process tree, PSS from smaps_rollup at the end; database commands from the
counters the workers report in their heartbeats.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address

from scripts.bench_rtt import BURN_UNITS, pss_bytes
from wpokt_devnet.actions import BURN_GAS, deposit_memo, snapshot
from wpokt_devnet.cluster import Devnet
from wpokt_devnet.cluster_config import ETH_CHAIN_ID
from wpokt_devnet.invariants import check_invariants
from wpokt_devnet.pokt_wallet import DevnetWallet, build_signed_send
from wpokt_devnet.sockets import descendants
from wpokt_node.addresses import address_to_bytes
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS, NODES, REFUNDS, TERMINAL, Status
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner

Document = dict[str, Any]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Batch:
    """What one batch run measured."""

    rtt_ms: float
    deposits: int
    burns: int
    elapsed_s: float
    failed: int
    unfinished: int  # entries still open (or not recorded) when the batch timed out
    invariants: str
    commands: int
    cpu_s: float
    rss_peak: list[int]
    pss: list[int]
    rows: list[tuple[datetime, datetime, str]]  # (confirmed at, executed at, collection)
    started: datetime
    burns_sent: datetime

    @property
    def bridged(self) -> int:
        return len(self.rows)

    def latencies(self, collection: str | None = None) -> list[float]:
        return [(e - c).total_seconds() for c, e, k in self.rows if collection in (None, k)]

    def queue(self) -> list[tuple[int, float, str]]:
        """(place in the queue by confirmation, latency, collection)."""
        ordered = sorted(self.rows)
        return [(i + 1, (e - c).total_seconds(), k) for i, (c, e, k) in enumerate(ordered)]

    def rate(self, collection: str) -> str:
        executed = [e for _, e, k in self.rows if k == collection]
        if not executed:
            return "-"
        since = self.started if collection == MINTS else self.burns_sent
        seconds = max((max(executed) - since).total_seconds(), 1e-9)
        return f"{len(executed) / seconds:.2f} /s ({len(executed)} in {seconds:.0f} s)"


def _proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _proc_rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except OSError:
        return 0


@dataclass
class ResourceSampler:
    """Samples every node's process tree: peak RSS per node, CPU seconds per process."""

    roots: dict[str, int]
    interval_s: float = 0.5
    peak_rss: dict[str, int] = field(default_factory=dict)
    cpu_last: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        for node_id, root in self.roots.items():
            pids = descendants(root)
            rss = sum(_proc_rss(pid) for pid in pids)
            self.peak_rss[node_id] = max(self.peak_rss.get(node_id, 0), rss)
            for pid in pids:
                self.cpu_last[pid] = max(self.cpu_last.get(pid, 0.0), _proc_cpu_s(pid))

    def run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def start(self) -> None:
        threading.Thread(target=self.run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.sample()


def _db_commands(db: Any) -> int:
    total = 0
    for node in db[NODES].find({}, projection={"workers": 1}):
        for beat in (node.get("workers") or {}).values():
            total += int(beat.get("db_commands") or 0)
    return total


def _submit_deposits(devnet: Devnet, recipients: list[str], count: int) -> None:
    """Sign ``count`` deposits with consecutive sequences and broadcast them without waiting."""
    signer = LocalKeySigner.from_hex(devnet.keys()["pokt_user"])
    wallet = DevnetWallet(signer, devnet.pokt_url)
    account_number, sequence = wallet.account()
    for i in range(count):
        tx = build_signed_send(
            signer,
            to_address=str(devnet.state["vault"]),
            amount=1_000_000 + i,  # distinct amounts make every deposit easy to follow
            chain_id="pocket",
            account_number=account_number,
            sequence=sequence + i,
            memo=deposit_memo(recipients[i % len(recipients)]),
        )
        result = wallet.broadcast(tx)
        if int(result["code"]) != 0:
            raise SystemExit(f"deposit {i} refused: {result['raw_log']}")
    wallet.close()


def _submit_burns(devnet: Devnet, count: int) -> None:
    signer = LocalKeySigner.from_hex(devnet.keys()["eth_user"])
    client = EthClient(devnet.eth_url)
    token = TokenContract(client, str(devnet.state["token"]))
    recipient = str(to_checksum_address(address_to_bytes(str(devnet.state["pokt_user"]))))
    sender = TransactionSender(client, signer, ETH_CHAIN_ID)
    for _ in range(count):
        data = token.encode("burnAndBridge", BURN_UNITS, recipient)
        sender.broadcast(sender.sign(token.address, data, BURN_GAS))


def _count(db: Any, collection: str, query: dict[str, Any]) -> int:
    return len(list(db[collection].find(query, {"_id": 1})))


def _open_count(db: Any) -> int:
    open_statuses = sorted(s.value for s in Status if s not in TERMINAL)
    return sum(_count(db, c, {"status": {"$in": open_statuses}}) for c in (MINTS, BURNS, REFUNDS))


def _wait_until_bridged(
    db: Any, devnet: Devnet, args: argparse.Namespace, started: float
) -> tuple[datetime, int]:
    """Send the burns once the user holds the wPOKT, then wait until nothing is open, or for
    ``args.timeout``; returns when the burns were broadcast and how many entries were left."""
    token = TokenContract(EthClient(devnet.eth_url), str(devnet.state["token"]))
    burns_wall: datetime | None = None
    while True:
        if burns_wall is None and token.balance_of(str(devnet.state["eth_user"])) >= (
            BURN_UNITS * args.burns
        ):
            burns_wall = datetime.now(UTC)
            _submit_burns(devnet, args.burns)
        entries = sum(_count(db, c, {}) for c in (MINTS, BURNS, REFUNDS))
        open_now = _open_count(db)
        executed = _count(db, MINTS, {"status": Status.EXECUTED.value})
        print(f"  {time.monotonic() - started:6.0f}s  entries {entries}  open {open_now}  "
              f"mints executed {executed}", flush=True)  # fmt: skip
        expected = args.deposits + args.burns
        if burns_wall is not None and entries >= expected and open_now == 0:
            return burns_wall, 0
        if time.monotonic() - started > args.timeout:
            print(
                f"  timed out after {args.timeout:.0f} s with {open_now} entries open", flush=True
            )
            return burns_wall or datetime.now(UTC), max(open_now, expected - entries)
        time.sleep(5)


def _rows(db: Any) -> list[tuple[datetime, datetime, str]]:
    rows = []
    for collection in (MINTS, BURNS, REFUNDS):
        for doc in db[collection].find({"status": Status.EXECUTED.value}, {"transitions": 1}):
            at = {r["to"]: r["at"] for r in doc.get("transitions") or []}
            if "confirmed" in at and "executed" in at:
                rows.append((at["confirmed"], at["executed"], collection))
    return sorted(rows)


def run_batch(devnet: Devnet, args: argparse.Namespace, rtt_ms: float) -> Batch:
    """Deposits to ``args.recipients`` recipients, then burns once minted; waits until nothing
    is open, and checks the bridge's invariants."""
    db = connect(devnet.mongodb_uri, devnet.database)
    roots = {node_id: devnet.services()[node_id].pid for node_id in devnet.node_ids}
    sampler = ResourceSampler(roots)
    sampler.sample()
    cpu_start = dict(sampler.cpu_last)
    commands_start = _db_commands(db)
    eth_user = str(devnet.state["eth_user"])
    recipients = [eth_user] + [
        str(to_checksum_address("0x" + os.urandom(20).hex())) for _ in range(args.recipients - 1)
    ]
    sampler.start()
    start_wall = datetime.now(UTC)
    started = time.monotonic()
    print(f"broadcasting {args.deposits} deposits to {len(recipients)} recipients", flush=True)
    _submit_deposits(devnet, recipients, args.deposits)
    burns_wall, unfinished = _wait_until_bridged(db, devnet, args, started)
    elapsed = time.monotonic() - started
    sampler.stop()
    memory = [pss_bytes(descendants(root)) for root in roots.values()]
    view = snapshot(devnet)
    report = check_invariants(db, wpokt_supply=view.wpokt_supply, vault_balance=view.vault_balance)
    failed = sum(_count(db, c, {"status": Status.FAILED.value}) for c in (MINTS, BURNS, REFUNDS))
    batch = Batch(
        rtt_ms=rtt_ms,
        deposits=args.deposits,
        burns=args.burns,
        elapsed_s=elapsed,
        failed=failed,
        unfinished=unfinished,
        invariants=_verdict(report.ok, report.problems, unfinished),
        commands=_db_commands(db) - commands_start,
        cpu_s=sum(v - cpu_start.get(pid, 0.0) for pid, v in sampler.cpu_last.items()),
        rss_peak=sorted(sampler.peak_rss.values()),
        pss=sorted(m[0] for m in memory),
        rows=_rows(db),
        started=start_wall,
        burns_sent=burns_wall,
    )
    db.client.close()
    return batch


def _verdict(ok: bool, problems: list[str], unfinished: int) -> str:
    """The invariants hold only for a cluster at rest: a stopped batch has payouts in flight."""
    if unfinished:
        return f"not checked: stopped with {unfinished} entries in flight"
    return "hold" if ok else "VIOLATED: " + "; ".join(problems)


def median_mib(values: list[int]) -> str:
    return f"{statistics.median(values) / 2**20:.0f}" if values else "-"
