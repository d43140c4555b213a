"""The migration from today's 5-of-7 system, rehearsed on the devnet as
docs/runbooks/migrate-from-5-of-7.md describes it: every command of the runbook runs here, in
its order, and each step run too early or twice is refused with its reason.

Given 7 nodes at threshold 5 on the production contracts and a 5-of-7 legacy multisig vault
that has bridged a deposit and a burn; when a successor of 12 nodes takes over at a cut-over
height, with a burn and a deposit made just before it (in flight through the old nodes'
restart), a burn, a deposit and a bad-memo deposit to the old vault just after it (while the
old nodes still run), and another deposit to the old vault after the switch; then the old
nodes pay what came before and nothing after, the new ones the rest, each exactly once, the
MintController takes 9 of the 12 new keys and none of the old ones, the old vault ends empty,
and the wPOKT supply equals the group vault's balance plus the two sweeps' network fees.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _pytest.capture import CaptureFixture
from pymongo.database import Database

from tests.e2e.helpers import (
    FEE,
    Document,
    entry,
    every_entry_finished,
    wait_executed,
    wait_for,
    wait_for_passes,
)
from wpokt_devnet.actions import burn, deposit, snapshot
from wpokt_devnet.cluster import Devnet, down, up
from wpokt_devnet.cluster_config import MULTISIG, DevnetOptions
from wpokt_devnet.deploy import PRODUCTION
from wpokt_devnet.invariants import check_invariants
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS, REFUNDS, Status
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.node.cli import main
from wpokt_node.pokt.client import PocketClient

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

OLD_NODES, OLD_THRESHOLD = 7, 5
NEW_NODES, NEW_THRESHOLD = 12, 9
POKT = 1_000_000
CUT_OVER_IN = 30  # blocks (1 s each): room for the old nodes' restart onto their stop heights


def _run(capsys: CaptureFixture[str], *argv: str | Path | int) -> tuple[int, str]:
    """One command of the runbook, in-process; its exit code and everything it printed."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out + err


def _ok(capsys: CaptureFixture[str], *argv: str | Path | int) -> str:
    code, text = _run(capsys, *argv)
    assert code == 0, f"{' '.join(map(str, argv))} failed:\n{text}"
    return text


def _refused(capsys: CaptureFixture[str], reason: str, *argv: str | Path | int) -> None:
    code, text = _run(capsys, *argv)
    assert code == 1, text
    assert reason in text, text


def _key_file(path: Path, hex_key: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(hex_key)
    return path


def _sweep(capsys: CaptureFixture[str], devnet: Devnet, new: Path, vault: str, name: str) -> None:
    """Build, sign by 5 of the 7 old keys (nodes 3..7: any 5 do), send."""
    work = devnet.dir / name
    work.mkdir()
    _ok(capsys, "migrate", "sweep", "build", "--config", new, "--out", work / "plan.json")
    signatures = []
    for node_id in devnet.node_ids[2:]:
        signature = work / f"{node_id}.json"
        _ok(capsys, "migrate", "sweep", "sign", "--config", devnet.config_path(node_id),
            "--plan", work / "plan.json", "--to", vault, "--out", signature)  # fmt: skip
        signatures.append(signature)
    send: tuple[str | Path, ...] = (
        "migrate",
        "sweep",
        "send",
        "--config",
        new,
        "--plan",
        work / "plan.json",
        *signatures,
    )
    assert "swept in tx" in _ok(capsys, *send)
    _refused(capsys, "this sweep is already on chain in tx", *send)


def test_the_migration_runbook_from_5_of_7_to_9_of_12(
    tmp_path: Path, capsys: CaptureFixture[str]
) -> None:
    options = DevnetOptions(
        nodes=OLD_NODES, threshold=OLD_THRESHOLD, custody=MULTISIG, contracts=PRODUCTION,
        fee_upokt=FEE, mongodb_uri=os.environ.get("MONGODB_URI") or None,
        database=f"migration_{os.getpid()}", healthy_timeout_s=300, frontend_view=False,
    )  # fmt: skip
    directory = tmp_path / "live"
    devnet = up(directory, options)
    try:
        _rehearse(devnet, capsys)
    finally:
        down(directory)


def _rehearse(devnet: Devnet, capsys: CaptureFixture[str]) -> None:
    db = connect(devnet.mongodb_uri, devnet.database)
    eth_user, pokt_user = str(devnet.state["eth_user"]), str(devnet.state["pokt_user"])
    # Given today's system bridging both ways
    first = deposit(devnet, 50 * POKT, eth_user)
    wait_executed(db, MINTS, first)
    wait_executed(db, BURNS, burn(devnet, 20 * POKT, pokt_user))

    # 0. the successor's configs, and the cut-over ahead on both chains
    d = devnet.dir
    _ok(capsys, "devnet", "successor", "--dir", d, "--nodes", NEW_NODES,
        "--threshold", NEW_THRESHOLD, "--cut-over-in", CUT_OVER_IN)  # fmt: skip
    devnet = Devnet.load(d)
    new = devnet.config_path("new-01")
    remove = [arg for v in devnet.state["validators"] for arg in ("--remove", v)]
    switch = ("migrate", "switch-controller", "--config", new, *remove,
              "--admin-key-file", _key_file(d / "admin.key", devnet.keys()["admin"]))  # fmt: skip
    _refused(capsys, "the group vault is not ready", *switch)

    # 1. the group vault
    created = _ok(capsys, "vault", "create-group", "--config", new, "--broadcast")
    vault = created.split("(pocket.vault_address): ")[1].split()[0]
    _ok(capsys, "devnet", "successor", "--dir", d, "--vault", vault)
    assert "group vault              done" in _run(capsys, "migrate", "status", "--config", new)[1]

    # 2. before the cut-over: the old system's to pay, through a restart onto its stop heights
    sources = {"old burn": burn(devnet, 5 * POKT, pokt_user),
               "old deposit": deposit(devnet, 3 * POKT, eth_user)}  # fmt: skip
    _ok(capsys, "devnet", "nodes", "stop", "--dir", d, *devnet.node_ids)
    _ok(capsys, "devnet", "nodes", "start", "--dir", d, *devnet.node_ids)
    _drain_the_old_cluster(capsys, devnet, db, new, sources)
    build = ("migrate", "sweep", "build", "--config", new, "--out", d / "early.json")
    _refused(capsys, "run `wpokt-node migrate switch-controller` first", *build)

    # 3. the MintController takes the 12 new keys at threshold 9 and drops the 7 old ones
    print_calls = ("migrate", "switch-controller", "--config", new, *remove, "--print-calls")
    assert "setSignerThreshold(9)" in _ok(capsys, *print_calls)
    _ok(capsys, *switch)
    _refused(capsys, "nothing to do", *switch)
    controller = ControllerContract(EthClient(devnet.eth_url), str(devnet.state["controller"]))
    state = controller.validator_state(list(devnet.state["validators"]))
    assert (state.count, state.threshold, state.members) == (NEW_NODES, NEW_THRESHOLD, [])

    # 4. the new nodes start; 5. the old vault's POKT moves to the group vault
    _ok(capsys, "devnet", "nodes", "start", "--dir", d, *devnet.state["successor_ids"])
    _sweep(capsys, devnet, new, vault, "sweep-1")
    _after_the_switch(capsys, devnet, db, new, vault, {"first": first, **sources}, build)


def _drain_the_old_cluster(
    capsys: CaptureFixture[str],
    devnet: Devnet,
    db: Database[Document],
    new: Path,
    sources: dict[str, str],
) -> None:
    """The old nodes pay what came before the cut-over, record nothing after it, then stop."""
    cut = devnet.state["successor"]["cut_over"]
    pokt, eth = PocketClient(devnet.pokt_url), EthClient(devnet.eth_url)
    wait_for("the cut-over", lambda: pokt.latest_height() > cut["pocket_height"]
             and eth.block_number() > cut["ethereum_block"], 120)  # fmt: skip
    old_vault, eth_user = str(devnet.state["vault"]), str(devnet.state["eth_user"])
    sources["burn"] = burn(devnet, 4 * POKT, str(devnet.state["pokt_user"]))
    sources["deposit"] = deposit(devnet, 2 * POKT, eth_user)
    sources["bad memo"] = deposit(devnet, 2 * POKT, eth_user, memo="not json")
    wait_executed(db, BURNS, sources["old burn"])
    wait_executed(db, MINTS, sources["old deposit"])
    status = ("migrate", "status", "--config", new)
    wait_for("the old system drained", lambda: "old entries open" not in _run(capsys, *status)[1])
    wait_for_passes(db, "pokt-watcher", devnet.node_ids)
    wait_for_passes(db, "burn-watcher", devnet.node_ids)
    assert entry(db, BURNS, sources["burn"]) is None  # after the cut-over: not the old nodes'
    assert entry(db, MINTS, sources["deposit"]) is None
    assert pokt.balance(old_vault) == (50 - 20 - 5 + 3 + 2 + 2) * POKT
    _ok(capsys, "devnet", "nodes", "stop", "--dir", devnet.dir, *devnet.node_ids)


def _after_the_switch(  # noqa: PLR0917 - the rehearsal's state, handed on
    capsys: CaptureFixture[str],
    devnet: Devnet,
    db: Database[Document],
    new: Path,
    vault: str,
    sources: dict[str, str],
    build: tuple[str | Path, ...],
) -> None:
    eth_user, old_vault = str(devnet.state["eth_user"]), str(devnet.state["vault"])
    pokt = PocketClient(devnet.pokt_url)
    assert pokt.balance(old_vault) == 0

    # after the cut-over: minted, paid and refunded by the new cluster, once each
    wait_executed(db, BURNS, sources["burn"])
    wait_executed(db, MINTS, sources["deposit"])
    wait_executed(db, REFUNDS, sources["bad memo"])

    # 6. a deposit to the old vault long after the cut-over is minted, and swept on
    late = deposit(devnet, 4 * POKT, eth_user, vault=old_vault)
    wait_executed(db, MINTS, late)
    _refused(capsys, "retired vault", "migrate", "verify", "--config", new)
    _sweep(capsys, devnet, new, vault, "sweep-2")
    _refused(capsys, "nothing to sweep", *build)

    # then: every entry closed, nothing lost or doubled; the group vault holds the supply less
    # the two sweeps' fees, which the old vault paid (the only payments that are no entry)
    wait_for("every entry finished", every_entry_finished(db))
    assert "the books balance" in _ok(capsys, "migrate", "verify", "--config", new)
    view = snapshot(devnet)
    vault_balance, sweep_fees = pokt.balance(vault), 2 * FEE
    assert view.wpokt_supply == (50 - 20 - 5 + 3 - 4 + 2 + 4) * POKT == vault_balance + sweep_fees
    report = check_invariants(
        db, wpokt_supply=view.wpokt_supply, vault_balance=vault_balance + sweep_fees
    )
    assert report.ok, report.problems
    for tx in (sources["first"], sources["old deposit"], sources["deposit"], late):
        assert db[MINTS].count_documents({"transaction_hash": tx}) == 1
    for tx in (sources["old burn"], sources["burn"]):
        assert db[BURNS].count_documents({"transaction_hash": tx}) == 1
    refund = entry(db, REFUNDS, sources["bad memo"])
    assert refund is not None
    assert refund["status"] == Status.EXECUTED.value
    assert _run(capsys, "migrate", "status", "--config", new)[0] == 0
