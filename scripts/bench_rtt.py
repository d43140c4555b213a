"""The parts of ``make bench`` that show what a cross-region database does: a devnet whose
nodes reach the database through a proxy that adds a round trip (``--db-rtt-ms``), the latency
of one deposit and one burn on an idle cluster, and the database commands of an idle node.

Single-entry latency is read from the chains, not from the database: from the block that
includes the source tx (its timestamp, as the chain says) to the first poll that sees the
payout (the recipient's balance), polled every 0.1 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wpokt_devnet.actions import burn, deposit
from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import DevnetOptions
from wpokt_devnet.latency_proxy import LatencyProxy
from wpokt_devnet.mongo import EmbeddedMongo
from wpokt_devnet.sockets import descendants
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS, NODES, OPEN_STATUSES, REFUNDS
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import TokenContract
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.client import PocketClient

POLL_S = 0.1
BURN_UNITS = 100_000  # the devnet's vault pays down to 0.1 POKT here
DEPOSIT = 2_000_000
BURN = 1_000_000


@dataclass(frozen=True)
class SingleLatency:
    """Seconds from the source tx's block to the payout, and the part of it the bridge adds
    (less the confirmations the config waits for, at the chain's block time)."""

    deposit_s: float
    deposit_bridge_s: float
    burn_s: float
    burn_bridge_s: float


@contextmanager
def devnet_behind_proxy(
    directory: Path, options: DevnetOptions, rtt_ms: float, progress: Callable[[str], None]
) -> Iterator[Devnet]:
    """A devnet whose every database connection (nodes, setup, this script) crosses a proxy
    adding ``rtt_ms`` per round trip (none at 0)."""
    data = directory.with_name(directory.name + "-db")
    shutil.rmtree(data, ignore_errors=True)  # every run starts from an empty database
    database = EmbeddedMongo(data).start()
    proxy = None
    uri = database.uri
    if rtt_ms > 0:
        proxy = LatencyProxy("127.0.0.1", database.port, rtt_ms).start()
        uri = f"mongodb://127.0.0.1:{proxy.listen_port}/"
    try:
        yield up(directory, dataclasses.replace(options, mongodb_uri=uri), progress=progress)
    finally:
        down(directory)
        if proxy is not None:
            proxy.stop()
        database.stop()


def _until(what: str, fact: Callable[[], Any], timeout_s: float = 300.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = fact()
        if found:
            return found
        time.sleep(POLL_S)
    raise SystemExit(f"bench: timed out waiting for {what}")


def wait_idle(devnet: Devnet, timeout_s: float = 600.0) -> None:
    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        _until("no open entry", lambda: all(
            db[c].find_one({"status": {"$in": list(OPEN_STATUSES)}}) is None
            for c in (MINTS, BURNS, REFUNDS)), timeout_s)  # fmt: skip
    finally:
        db.client.close()


def single_latency(devnet: Devnet, options: DevnetOptions) -> SingleLatency:
    """One deposit, then one burn, each on an idle cluster."""
    pokt = PocketClient(devnet.pokt_url)
    eth = EthClient(devnet.eth_url)
    token = TokenContract(eth, str(devnet.state["token"]))
    recipient = str(devnet.state["eth_user"])  # it burns next
    before = token.balance_of(recipient)
    tx_hash = deposit(devnet, DEPOSIT, recipient)
    height = int(_until("the deposit's block", lambda: pokt.tx(tx_hash))["height"])
    included = _block_time_pokt(pokt, height)
    _until("the mint", lambda: token.balance_of(recipient) > before)
    deposit_s = time.time() - included
    wait_idle(devnet)
    payee = pokt_address_of(LocalKeySigner(secrets.token_bytes(32)).public_key)
    burn_hash = burn(devnet, BURN, payee)
    receipt = _until("the burn's block", lambda: eth.receipt(burn_hash))
    mined = int(eth.request("eth_getBlockByNumber", [hex(receipt.block_number), False])
                ["timestamp"], 16)  # fmt: skip
    _until("the payout", lambda: pokt.balance(payee) > 0)
    burn_s = time.time() - mined
    pokt.close()
    return SingleLatency(
        deposit_s,
        deposit_s - options.pokt_confirmations * options.pokt_block_time_s,
        burn_s,
        burn_s - options.eth_confirmations * options.eth_block_time_s,
    )


def _block_time_pokt(pokt: PocketClient, height: int) -> float:
    block = pokt.query(f"/cosmos/base/tendermint/v1beta1/blocks/{height}") or {}
    stamp = str(block["block"]["header"]["time"])
    return _rfc3339(stamp)


def _rfc3339(stamp: str) -> float:
    """Seconds since the epoch of a Tendermint time (nanosecond fraction, ``Z``)."""
    head, _, rest = stamp.partition(".")
    fraction = rest.rstrip("Z")[:6] if rest else "0"
    moment = datetime.fromisoformat(head + "+00:00")
    return moment.timestamp() + float("0." + fraction)


def idle_commands_per_node_minute(devnet: Devnet, window_s: float = 60.0) -> float:
    """Database commands per node per minute over ``window_s`` of an idle cluster (the
    workers report their process's count in each heartbeat)."""
    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        wait_idle(devnet)
        before = _commands(db)
        time.sleep(window_s)
        after = _commands(db)
    finally:
        db.client.close()
    nodes = [n for n in after if n in before]
    total = sum(after[n] - before[n] for n in nodes)
    return total / max(len(nodes), 1) * 60.0 / window_s


def _commands(db: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for node in db[NODES].find({}, projection={"node_id": 1, "workers": 1}):
        beats = (node.get("workers") or {}).values()
        found[str(node.get("node_id"))] = sum(int(b.get("db_commands") or 0) for b in beats)
    return found


def pss_bytes(pids: list[int]) -> tuple[int, int]:
    """(PSS, RSS) of the processes, from /proc/PID/smaps_rollup."""
    pss = rss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key in ("Pss", "Rss"):
                kib = int(value.split()[0]) * 1024
                pss += kib if key == "Pss" else 0
                rss += kib if key == "Rss" else 0
    return pss, rss


def rtt_section(
    args: argparse.Namespace, rtts: list[float], machine: str, progress: Callable[[str], None]
) -> list[str]:
    """Per database round trip: a devnet at the shipped intervals, idle commands, one deposit
    and one burn, memory per node."""
    rows = []
    for rtt in rtts:
        options = DevnetOptions(
            nodes=args.nodes, threshold=args.threshold, database=f"bench_rtt_{int(rtt)}",
            min_payout_upokt=BURN_UNITS, worker_interval_s=5.0, heartbeat_interval_s=15.0,
            idle_recheck_s=60.0,
        )  # fmt: skip
        print(f"database round trip {rtt:.0f} ms: a devnet at the shipped intervals", flush=True)
        with devnet_behind_proxy(args.dir.with_name(f"rtt{int(rtt)}"), options, rtt,
                                 progress) as devnet:  # fmt: skip
            idle = idle_commands_per_node_minute(devnet)
            single = single_latency(devnet, options)
            memory = [pss_bytes(descendants(pid))
                      for pid in (devnet.services()[n].pid for n in devnet.node_ids)]  # fmt: skip
        pss = statistics.median(m[0] for m in memory) / 2**20
        rss = statistics.median(m[1] for m in memory) / 2**20
        rows.append(f"| {rtt:.0f} ms | {single.deposit_s:.1f} s ({single.deposit_bridge_s:.1f} s) "
                    f"| {single.burn_s:.1f} s ({single.burn_bridge_s:.1f} s) | {idle:.0f} "
                    f"| {pss:.0f} / {rss:.0f} MiB |")  # fmt: skip
        print(rows[-1], flush=True)
    return [
        "## A database in another region",
        "",
        f"`make bench` on {datetime.now(UTC):%Y-%m-%d}, {machine}: for each database round "
        f"trip a {args.threshold}-of-{args.nodes} devnet at the shipped worker intervals (5 s, "
        "heartbeats every 15 s; 1 s blocks), whose every database connection crosses a proxy "
        "adding the round trip (`devnet/wpokt_devnet/latency_proxy.py`). One deposit, then one "
        "burn, each on the idle cluster, timed from the block that includes the source tx to "
        "the payout as the chains show it (in brackets: less the confirmations the config "
        "waits for). Idle commands: all four workers of a node, per minute, over 60 s. Memory: "
        "per node (supervisor and workers), median.",
        "",
        "| database round trip | deposit → minted | burn → paid | idle commands per node per "
        "minute | PSS / RSS per node |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]
