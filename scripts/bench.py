"""``make bench``: the 12-node devnet under load and idle, at each database round trip.

For each round trip in ``--db-rtt-ms`` (a proxy in front of the database adds it): a batch of
deposits and burns at 1 s intervals (throughput, latency, database commands, CPU and memory),
then, at the shipped intervals, one deposit and one burn on an idle cluster and the idle
database commands. Writes docs/benchmarks.md (the text after its marker is kept) and a PNG of
latency against place in the queue, one series per round trip.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

from scripts.bench_batch import Batch, median_mib, run_batch
from scripts.bench_rtt import BURN_UNITS, devnet_behind_proxy, rtt_section
from wpokt_devnet.cluster_config import DevnetOptions
from wpokt_node.db.command_profile import PROFILE_DIR_ENV, aggregate
from wpokt_node.db.schema import BURNS, MINTS
from wpokt_node.logs import configure_logging

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the non-interactive back end

ROOT = Path(__file__).resolve().parents[1]
KEEP_MARKER = "<!-- the generated report ends here; what follows is kept by make bench -->\n"
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")


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


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]

    return " / ".join(f"{at(q):.1f}" for q in (50, 95, 99)) + " s"


def _stopped(batch: Batch) -> str:
    return f" (stopped: {batch.unfinished} not bridged)" if batch.unfinished else ""


def _per_entry(total: float, batch: Batch, digits: int) -> str:
    return f"{total / max(batch.bridged, 1):.{digits}f}"


BATCH_ROWS: tuple[tuple[str, Callable[[Batch], str]], ...] = (
    ("entries bridged (failed)", lambda b: f"{b.bridged} ({b.failed})"),
    ("wall time, first deposit to last payout", lambda b: f"{b.elapsed_s:.0f} s" + _stopped(b)),
    ("end-to-end throughput", lambda b: f"{b.bridged / b.elapsed_s:.2f} entries/s"),
    ("mints: throughput", lambda b: b.rate(MINTS)),
    ("burns: throughput (from their broadcast)", lambda b: b.rate(BURNS)),
    ("latency confirmed → executed: p50 / p95 / p99", lambda b: _percentiles(b.latencies())),
    ("mints: p50 / p95 / p99", lambda b: _percentiles(b.latencies(MINTS))),
    ("burns: p50 / p95 / p99", lambda b: _percentiles(b.latencies(BURNS))),
    ("database commands per bridged entry (all nodes, incl. polling, heartbeats)",
     lambda b: _per_entry(b.commands, b, 0)),
    ("CPU seconds per bridged entry (all nodes)", lambda b: _per_entry(b.cpu_s, b, 2) + " s"),
    ("memory per node, median: PSS at the end / peak RSS",
     lambda b: f"{median_mib(b.pss)} / {median_mib(b.rss_peak)} MiB"),
    ("invariants", lambda b: b.invariants),
)  # fmt: skip


def _batch_table(batches: list[Batch]) -> list[str]:
    head = "| database round trip | " + " | ".join(f"**{b.rtt_ms:.0f} ms**" for b in batches)
    rows = [f"| {name} | " + " | ".join(value(b) for b in batches) + " |"
            for name, value in BATCH_ROWS]  # fmt: skip
    return [head + " |", "|---|" + "---|" * len(batches), *rows]


def _plot(batches: list[Batch], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    for batch, colour in zip(batches, COLOURS, strict=False):
        for collection, marker in ((MINTS, "o"), (BURNS, "x")):
            points = [(p, lat) for p, lat, c in batch.queue() if c == collection]
            if points:
                ax.scatter([p for p, _ in points], [lat for _, lat in points], s=10,
                           marker=marker, color=colour,
                           label=f"{batch.rtt_ms:.0f} ms: {collection}")  # fmt: skip
    ax.set_xlabel("place in the queue (by the time the entry was confirmed)")
    ax.set_ylabel("confirmed → executed (s)")
    ax.set_title("wpokt-node devnet batch: latency against place in the queue, per database RTT")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _batch_section(batches: list[Batch], args: argparse.Namespace, png: Path) -> list[str]:
    return [
        "## A batch, at each database round trip",
        "",
        " ".join(
            (
                f"`make bench` on {datetime.now(UTC):%Y-%m-%d}, {_machine()}: for each database",
                f"round trip a {args.threshold}-of-{args.nodes} devnet (group vault at mainnet's",
                "tx_sig_limit 7, 1 s blocks on both chains, 1 s worker intervals, otherwise the",
                "shipped settings) whose every database connection crosses the latency proxy,",
                f"bridging {args.deposits} deposits to {args.recipients} recipients, then",
                f"{args.burns} burns broadcast once the first wPOKT is minted. All nodes, both",
                "chains and the database share the machine.",
            )
        ),
        "",
        *_batch_table(batches),
        "",
        f"![latency against place in the queue]({png.name})",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deposits", type=int, default=200, help="0: no batch")
    parser.add_argument("--recipients", type=int, default=20)
    parser.add_argument("--burns", type=int, default=40)
    parser.add_argument("--nodes", type=int, default=12)
    parser.add_argument("--threshold", type=int, default=9)
    parser.add_argument("--db-rtt-ms", default="0,100,250", help="database round trips (ms)")
    parser.add_argument("--db-profile", action="store_true",
                        help="count the nodes' database commands by call site")  # fmt: skip
    parser.add_argument("--no-single", action="store_true",
                        help="skip the single-entry and idle measures")  # fmt: skip
    parser.add_argument("--dir", type=Path, default=ROOT / ".bench" / "devnet")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds after which a batch is stopped, as reported")  # fmt: skip
    args = parser.parse_args(argv)
    configure_logging("warning", worker="bench")
    rtts = [float(v) for v in args.db_rtt_ms.split(",") if v.strip()] or [0.0]
    progress = lambda m: print(f"  {m}", flush=True)  # noqa: E731
    sections: list[str] = []
    sections_after: list[str] = []
    batches: list[Batch] = []
    if args.deposits > 0:
        # Burns of 0.1 wPOKT: the bench's vault pays down to that (the default minimum is 1 POKT).
        for rtt in rtts:
            options = DevnetOptions(
                nodes=args.nodes, threshold=args.threshold, database=f"bench_{int(rtt)}",
                min_payout_upokt=BURN_UNITS, heartbeat_interval_s=15.0, idle_recheck_s=60.0,
            )  # fmt: skip
            print(f"database round trip {rtt:.0f} ms: the batch", flush=True)
            directory = args.dir.with_name(f"batch{int(rtt)}")
            profile_dir = _profile_dir(args, rtt)
            with devnet_behind_proxy(directory, options, rtt, progress) as devnet:
                batches.append(run_batch(devnet, args, rtt))
            print("\n".join(_batch_table(batches[-1:])), flush=True)
            if profile_dir is not None:
                os.environ.pop(PROFILE_DIR_ENV)
                sections_after.append(_profile_section(batches[-1], aggregate(profile_dir)))
        png = args.report.with_name("benchmarks-latency.png")
        _plot(batches, png)
        sections += _batch_section(batches, args, png)
    if not args.no_single:
        sections += rtt_section(args, rtts, _machine(), progress)
    sections += sections_after
    _write_report(args.report, sections)
    problems = [b for b in batches if b.failed or b.invariants != "hold"]  # slow is no failure
    return 1 if problems else 0


def _profile_dir(args: argparse.Namespace, rtt: float) -> Path | None:
    """With ``--db-profile``: an empty directory the batch's nodes write their profiles to."""
    if not args.db_profile:
        return None
    directory: Path = args.dir.with_name(f"db-profile-{int(rtt)}")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[PROFILE_DIR_ENV] = str(directory)
    return directory


def _profile_section(batch: Batch, counts: Counter[str], top: int = 25) -> str:
    """The call sites that sent the most database commands, per bridged entry."""
    total = sum(counts.values())
    rows = [
        f"| {n / max(batch.bridged, 1):.1f} | {n / max(total, 1):.0%} | `{key.split(' | ')[0]}` "
        f"| {key.split(' | ', 1)[1] if ' | ' in key else ''} |"
        for key, n in counts.most_common(top)
    ]
    return "\n".join([
        f"## Where the database commands come from ({batch.rtt_ms:.0f} ms batch, `--db-profile`)",
        "",
        f"All nodes' commands from their start to the end of the batch, {total} in all "
        f"({total / max(batch.bridged, 1):.0f} per bridged entry; the profile slows the nodes, "
        "so its batch figures above are not comparable). Call sites: the innermost three "
        "functions of the node's code, innermost first.",
        "",
        "| per entry | share | command | sent by |",
        "|---|---|---|---|",
        *rows,
        "",
    ])  # fmt: skip


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


if __name__ == "__main__":
    sys.exit(main())
