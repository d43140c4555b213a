"""``make bench``: push a batch of deposits and burns through the 12-node devnet and measure.

Reports end-to-end throughput, latency from ``confirmed`` to ``executed`` (p50/p95/p99),
MongoDB commands per bridged entry, peak RSS per node (supervisor + workers), CPU seconds per
entry; writes docs/benchmarks.md and a PNG of latency over time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib
from eth_utils.address import to_checksum_address

from scripts.bench_rtt import rtt_section
from wpokt_devnet.actions import BURN_GAS, deposit_memo, snapshot
from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import ETH_CHAIN_ID, DevnetOptions
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
from wpokt_node.logs import configure_logging

Document = dict[str, Any]
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive back end)

ROOT = Path(__file__).resolve().parents[1]
BURN_UNITS = 100_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
KEEP_MARKER = "<!-- the generated report ends here; what follows is kept by make bench -->\n"


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

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self.sample()


def _db_commands(db: Any) -> int:
    total = 0
    for node in db[NODES].find({}, projection={"workers": 1}):
        for beat in (node.get("workers") or {}).values():
            total += int(beat.get("db_commands") or 0)
    return total


def _submit_deposits(devnet: Devnet, recipients: list[str], count: int) -> list[str]:
    """Sign ``count`` deposits with consecutive sequences and broadcast them without waiting."""
    signer = LocalKeySigner.from_hex(devnet.keys()["pokt_user"])
    wallet = DevnetWallet(signer, devnet.pokt_url)
    account_number, sequence = wallet.account()
    hashes = []
    for i in range(count):
        amount = 1_000_000 + i  # distinct amounts make every deposit easy to follow
        tx = build_signed_send(
            signer,
            to_address=str(devnet.state["vault"]),
            amount=amount,
            chain_id="pocket",
            account_number=account_number,
            sequence=sequence + i,
            memo=deposit_memo(recipients[i % len(recipients)]),
        )
        result = wallet.broadcast(tx)
        if int(result["code"]) != 0:
            raise SystemExit(f"deposit {i} refused: {result['raw_log']}")
        hashes.append(str(result["txhash"]))
    wallet.close()
    return hashes


def _submit_burns(devnet: Devnet, count: int, amount: int) -> list[str]:
    signer = LocalKeySigner.from_hex(devnet.keys()["eth_user"])
    client = EthClient(devnet.eth_url)
    token = TokenContract(client, str(devnet.state["token"]))
    recipient = str(to_checksum_address(address_to_bytes(str(devnet.state["pokt_user"]))))
    sender = TransactionSender(client, signer, ETH_CHAIN_ID)
    hashes = []
    for _ in range(count):
        signed = sender.sign(
            token.address, token.encode("burnAndBridge", amount, recipient), BURN_GAS
        )
        sender.broadcast(signed)
        hashes.append(signed.tx_hash.lower())
    return hashes


def _open_count(db: Any) -> int:
    open_statuses = sorted(s.value for s in Status if s not in TERMINAL)
    return sum(_count(db, c, {"status": {"$in": open_statuses}}) for c in (MINTS, BURNS, REFUNDS))


def _count(db: Any, collection: str, query: dict[str, Any]) -> int:
    return len(list(db[collection].find(query, {"_id": 1})))


def _pct(values: list[float]) -> str:
    if not values:
        return "n/a"
    return " / ".join(f"{_percentile(values, q):.1f}" for q in (50, 95, 99)) + " s"


def _latencies(db: Any) -> list[tuple[datetime, float, str]]:
    """(executed at, seconds confirmed -> executed, collection) for every executed entry."""
    rows = []
    for collection in (MINTS, BURNS, REFUNDS):
        for doc in db[collection].find({"status": Status.EXECUTED.value}, {"transitions": 1}):
            at = {r["to"]: r["at"] for r in doc.get("transitions") or []}
            if "confirmed" in at and "executed" in at:
                confirmed, executed = at["confirmed"], at["executed"]
                rows.append((executed, (executed - confirmed).total_seconds(), collection))
    return sorted(rows)


def _rate(executed_at: list[datetime], since: datetime) -> str:
    if not executed_at:
        return "-"
    seconds = (max(executed_at) - since).total_seconds()
    count = len(executed_at)
    return f"{count / max(seconds, 1e-9):.2f} entries/s ({count} in {seconds:.0f} s)"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def _plot(rows: list[tuple[datetime, float, str]], start: datetime, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    for collection, colour in ((MINTS, "tab:blue"), (BURNS, "tab:orange"), (REFUNDS, "tab:green")):
        xs = [(t - start).total_seconds() for t, _, c in rows if c == collection]
        ys = [lat for _, lat, c in rows if c == collection]
        if xs:
            ax.scatter(xs, ys, s=10, label=collection, color=colour)
    ax.set_xlabel("seconds since the first deposit was broadcast")
    ax.set_ylabel("confirmed → executed (s)")
    ax.set_title("wpokt-node 12-node devnet: latency of bridged entries")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deposits", type=int, default=200, help="0: no batch")
    parser.add_argument("--recipients", type=int, default=20)
    parser.add_argument("--burns", type=int, default=40)
    parser.add_argument("--nodes", type=int, default=12)
    parser.add_argument("--threshold", type=int, default=9)
    parser.add_argument("--db-rtt-ms", default="0,100,250",
                        help="database round trips (ms) for single entries; '': none")  # fmt: skip
    parser.add_argument("--dir", type=Path, default=ROOT / ".bench" / "devnet")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    configure_logging("warning", worker="bench")
    rtts = [float(v) for v in args.db_rtt_ms.split(",") if v.strip()]
    progress = lambda m: print(f"  {m}", flush=True)  # noqa: E731
    sections: list[str] = []
    failed = 0
    if rtts:
        sections += rtt_section(args, rtts, _machine(), progress)
    if args.deposits > 0:
        # Burns of 0.1 wPOKT: the bench's vault pays down to that (the default minimum is 1 POKT).
        options = DevnetOptions(nodes=args.nodes, threshold=args.threshold, database="bench",
                                min_payout_upokt=BURN_UNITS)  # fmt: skip
        print(f"bringing up a {args.threshold}-of-{args.nodes} devnet in {args.dir}", flush=True)
        devnet = up(args.dir, options, progress=progress)
        try:
            batch, failed = _run(devnet, args, options)
        finally:
            down(args.dir)
        sections = batch + sections
    _write_report(args.report, sections)
    return failed


def _write_report(path: Path, sections: list[str]) -> None:
    """The generated report, then whatever followed the marker in the old one (kept)."""
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if KEEP_MARKER in old:
            kept = old.split(KEEP_MARKER, 1)[1]
    path.write_text("\n".join(["# Benchmarks", "", *sections, KEEP_MARKER]) + kept,
                    encoding="utf-8")  # fmt: skip
    print(f"report written to {path}")


def _wait_until_bridged(
    db: Any, devnet: Devnet, args: argparse.Namespace, started: float
) -> datetime:
    """Send the burns once the user holds the wPOKT, then wait until nothing is open; returns
    when the burns were broadcast."""
    eth_user = str(devnet.state["eth_user"])
    burn_amount = BURN_UNITS
    token = TokenContract(EthClient(devnet.eth_url), str(devnet.state["token"]))
    burns_sent = False
    burns_wall = datetime.now(UTC)
    deadline = started + args.timeout
    while True:
        executed_mints = _count(db, MINTS, {"status": Status.EXECUTED.value})
        if not burns_sent and token.balance_of(eth_user) >= burn_amount * args.burns:
            print(f"broadcasting {args.burns} burns", flush=True)
            burns_wall = datetime.now(UTC)
            _submit_burns(devnet, args.burns, burn_amount)
            burns_sent = True
        entries = sum(_count(db, c, {}) for c in (MINTS, BURNS, REFUNDS))
        open_now = _open_count(db)
        print(
            f"  {time.monotonic() - started:6.0f}s  entries {entries}  open {open_now}  "
            f"mints executed {executed_mints}",
            flush=True,
        )
        if burns_sent and entries >= args.deposits + args.burns and open_now == 0:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out with {open_now} entries open")
        time.sleep(5)
    return burns_wall


def _run(devnet: Devnet, args: argparse.Namespace, options: DevnetOptions) -> tuple[list[str], int]:
    """The batch: its report section, and 1 if an entry failed or an invariant broke."""
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
    burns_wall = _wait_until_bridged(db, devnet, args, started)
    elapsed = time.monotonic() - started
    sampler.stop()
    rows = _latencies(db)
    total = len(rows)
    cpu = sum(v - cpu_start.get(pid, 0.0) for pid, v in sampler.cpu_last.items())
    commands = _db_commands(db) - commands_start
    view = snapshot(devnet)
    report = check_invariants(db, wpokt_supply=view.wpokt_supply, vault_balance=view.vault_balance)
    failed = sum(
        len(list(db[c].find({"status": Status.FAILED.value}, {"_id": 1})))
        for c in (MINTS, BURNS, REFUNDS)
    )
    latencies = [lat for _, lat, _ in rows]
    by_kind = {c: [lat for _, lat, k in rows if k == c] for c in (MINTS, BURNS)}
    rates = {
        MINTS: _rate([at for at, _, k in rows if k == MINTS], start_wall),
        BURNS: _rate([at for at, _, k in rows if k == BURNS], burns_wall),
    }
    peaks = sorted(sampler.peak_rss.values())
    png = args.report.with_name("benchmarks-latency.png")
    _plot(rows, start_wall, png)
    lines = [
        "## A batch",
        "",
        f"`make bench` on {datetime.now(UTC):%Y-%m-%d}: a {args.threshold}-of-{args.nodes} devnet "
        f"(1 s blocks on both chains, 1 s worker interval) bridging {args.deposits} deposits "
        f"to {len(recipients)} recipients and {args.burns} burns.",
        "",
        f"Machine: {_machine()}. All {args.nodes} nodes, anvil, the Pocket simulator (at "
        f"mainnet's tx_sig_limit {options.tx_sig_limit}, {options.custody} vault) and the "
        "embedded database (nx-27017) share it.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| entries bridged | {total} ({len(by_kind[MINTS])} mints, {len(by_kind[BURNS])} "
        f"burns), {failed} failed |",
        f"| wall time, first deposit broadcast to last payout | {elapsed:.0f} s |",
        f"| end-to-end throughput | {total / elapsed:.2f} entries/s |",
        f"| mint throughput (first deposit broadcast to last mint) | {rates[MINTS]} |",
        f"| burn throughput (first burn broadcast to last payout) | {rates[BURNS]} |",
        f"| latency confirmed → executed, all: p50 / p95 / p99 | {_pct(latencies)} |",
        f"| mints: p50 / p95 / p99 | {_pct(by_kind[MINTS])} |",
        f"| burns: p50 / p95 / p99 | {_pct(by_kind[BURNS])} |",
        f"| MongoDB commands per bridged entry (all nodes, incl. polling and heartbeats) | "
        f"{commands / max(total, 1):.0f} |",
        f"| peak RSS per node (supervisor + 4 workers): median / max | "
        f"{statistics.median(peaks) / 2**20:.0f} / {peaks[-1] / 2**20:.0f} MiB |",
        f"| CPU seconds per bridged entry (all 12 nodes) | {cpu / max(total, 1):.2f} s |",
        f"| invariants | {'hold' if report.ok else 'VIOLATED: ' + '; '.join(report.problems)} |",
        "",
        f"![latency over time]({png.name})",
        "",
        "Reading the figures: the whole batch arrives within seconds and leaves at the",
        "throughput above, so latency is queueing and grows linearly with an entry's place in",
        "the queue (see the plot). The bound is CPU: every one of the nodes re-fetches each",
        "source transaction and verifies every signature itself (the signing rule, done N",
        "times by design), about 1 CPU-second per entry for the whole cluster, and here all",
        "nodes share 2 cores; in production each node has its own machine. Burn payouts",
        "from the group vault run in parallel (one proposal each, T vote txs, no shared",
        "vault sequence). Most database commands are the polling and heartbeats of 4",
        "workers per node every second.",
        "",
    ]
    print("\n".join(lines[6:18]))
    db.client.close()
    return lines, 0 if report.ok and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
