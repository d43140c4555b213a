"""``wpokt-node admin free-nonce`` (3 nodes, threshold 2): a mint that can never gather the
threshold of signatures holds its recipient's next nonce and every later mint of that
recipient waits behind it; operators' filler (0 wPOKT at that nonce) uses the nonce, the
stuck mint is prepared again for a new nonce, and both deposits are minted exactly once. A
database writer can neither make a node sign a filler nor get a forged one sent."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from _pytest.capture import CaptureFixture
from _pytest.monkeypatch import MonkeyPatch
from eth_utils.crypto import keccak

from tests.fixtures.mint_cluster import ClusterNode, MintCluster, recipient_address
from wpokt_node.config import Settings
from wpokt_node.db import leases
from wpokt_node.db.models import Entry, SignatureRecord
from wpokt_node.db.operator_log import recent_actions
from wpokt_node.db.schema import CONTROL, MINTS
from wpokt_node.errors import NotReadyError
from wpokt_node.eth.eip712 import sign_mint_data
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of
from wpokt_node.mint.executor import EXECUTOR_LEASE
from wpokt_node.mint.free_nonce import (
    Filler,
    FillerRefusedError,
    examine,
    filler_for,
    free_nonce,
    send,
    stored_signatures,
)
from wpokt_node.node import operator_cli
from wpokt_node.node.cli import main
from wpokt_node.node.context import NodeContext

pytestmark = pytest.mark.node

Document = dict[str, Any]
FIRST, SECOND = 6_000_000, 4_000_000


def _run_until(cluster: MintCluster, done: Callable[[], bool], passes: int = 15) -> None:
    """Passes of every node's mint-executor, an Ethereum block after each round."""
    for _ in range(passes):
        if done():
            return
        cluster.execute(0, 1, 2)
        cluster.eth.request("evm_mine", [])
    assert done()


def _entry(cluster: MintCluster, tx_hash: str) -> Entry:
    return Entry.from_document(MINTS, cluster.mint(tx_hash))


def _stuck(cluster: MintCluster, recipient: str) -> tuple[str, str, dict[str, Any]]:
    """Given the first deposit's mint at nonce 1 signed by node 0 only, because nodes 1 and 2
    each signed another payload for that deposit earlier (their journals refuse a second),
    and the second deposit's mint at nonce 2, signed, waiting behind it."""
    first = cluster.deposit(FIRST, recipient)
    cluster.watch(0)
    node0 = cluster.nodes[0].custody
    event = node0.source_event(_entry(cluster, first))
    other = node0.domain.order(recipient, 2 * FIRST, 1)
    for node in cluster.nodes[1:]:
        verdict = node.context.journal.authorize(event, node0.payload_hash(other), "", other)
        assert verdict.may_sign
    _run_until(cluster, lambda: cluster.mint(first).get("signers") == ["node-0"])
    second = cluster.deposit(SECOND, recipient)
    cluster.watch(0)
    _run_until(cluster, lambda: cluster.mint(second)["status"] == "signed")
    cluster.execute(0, 1, 2, passes=2)
    held, waiting = _entry(cluster, first), _entry(cluster, second)
    assert (held.status.value, held.number, waiting.number) == ("started", 1, 2)
    assert set(cluster.mint(first).get("refusals") or {}) == {"node-1", "node-2"}
    assert cluster.token.get_user_nonce(recipient) == 0  # nothing minted: all of it waits
    return first, second, other


def _cli_context(node: ClusterNode) -> NodeContext:
    """The node's context for the command, which closes it when done (the test keeps it)."""
    context = dataclasses.replace(node.context)
    context.close = lambda: None  # type: ignore[method-assign]
    return context


def _free_nonce_cli(monkeypatch: MonkeyPatch, node: ClusterNode, *argv: str) -> int:
    """``wpokt-node admin free-nonce`` as the operator of ``node`` runs it."""
    settings: Settings = node.context.settings
    monkeypatch.setattr(operator_cli, "load_config", lambda _path: settings)
    monkeypatch.setattr(operator_cli, "build_context", lambda *_a: _cli_context(node))
    return main(["admin", "free-nonce", "--config", "node.yaml", *argv])


def _refusals(
    monkeypatch: MonkeyPatch,
    capsys: CaptureFixture[str],
    cluster: MintCluster,
    node0: ClusterNode,
    recipient: str,
) -> None:
    # When an operator asks for the wrong nonce, or for a recipient nothing waits for
    for nonce, why in ((2, "not the next one"), (0, "positive integer")):
        code = _free_nonce_cli(monkeypatch, node0, "--recipient", recipient,
                                  "--nonce", str(nonce))  # fmt: skip
        assert code == 1
        assert why in capsys.readouterr().err
    idle = filler_for(node0.custody, recipient_address(61), 1)
    with pytest.raises(FillerRefusedError, match="nothing is stuck"):
        examine(node0.custody, cluster.db, idle)


def _afterwards(  # noqa: PLR0917 - the test's state, handed on
    monkeypatch: MonkeyPatch,
    capsys: CaptureFixture[str],
    cluster: MintCluster,
    filler: Filler,
    recipient: str,
    executor: str | None,
) -> None:
    node0 = cluster.nodes[0]
    # the filler records its tx; each operator's command is in the audit record; run again,
    # the command says the nonce is used
    stored = cluster.db[CONTROL].find_one({"_id": filler.doc_id}) or {}
    assert cluster.eth.receipt(str(stored.get("execution_tx_hash"))) is not None
    code = _free_nonce_cli(monkeypatch, node0, "--recipient", recipient, "--nonce", "1", "--send")
    assert code == 1
    assert "nonce 1 of" in capsys.readouterr().err
    actions = [a for a in recent_actions(cluster.db, 10) if a["action"] == "free-nonce"]
    assert len(actions) == 7
    assert sum(1 for a in actions if str(a["outcome"]).startswith("refused")) == 3
    # the executor's operator signed before the send was refused: the record says both
    assert sum(1 for a in actions if "then failed: this node is the mint executor" in
               str(a["outcome"])) == (0 if executor == "node-0" else 1)  # fmt: skip


def test_a_mint_that_can_never_be_signed_is_freed_by_a_filler_and_each_deposit_minted_once(
    mint_cluster: MintCluster, monkeypatch: MonkeyPatch, capsys: CaptureFixture[str]
) -> None:
    cluster = mint_cluster
    recipient = recipient_address(60)
    supply = cluster.token.total_supply()
    first, second, _ = _stuck(cluster, recipient)
    node0 = cluster.nodes[0]

    _refusals(monkeypatch, capsys, cluster, node0, recipient)
    filler = filler_for(node0.custody, recipient, 1)

    # ... or dry-runs it: nothing is signed
    code = _free_nonce_cli(monkeypatch, node0, "--recipient", recipient, "--nonce", "1",
                              "--dry-run")  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert f"held by mints {_entry(cluster, first).id} (started, 1 of 2 valid" in out
    assert "dry run: nothing signed or sent" in out
    assert stored_signatures(cluster.db, filler) == []
    assert node0.context.journal.live_payload(filler.event) is None

    # When node 0's operator signs the filler, and sending it with one signature is refused
    code = _free_nonce_cli(monkeypatch, node0, "--recipient", recipient, "--nonce", "1")
    assert code == 0
    assert "1 of 2 signatures stored: more operators must run this command" in (
        capsys.readouterr().out
    )
    with pytest.raises(NotReadyError, match="1 valid signatures, threshold is 2"):
        send(node0.custody, cluster.db, filler)

    # ... and the operator of the node holding the executor lease (its gas key may have a
    # mint tx in flight) is refused sending, then another operator signs it and sends it
    executor = leases.holder_of(cluster.db, EXECUTOR_LEASE)
    by_id = {node.node_id: node for node in cluster.nodes}
    assert executor in by_id
    code = _free_nonce_cli(monkeypatch, by_id[executor], "--recipient", recipient, "--nonce",
                           "1", "--send")  # fmt: skip
    assert code == 1
    assert "this node is the mint executor now" in capsys.readouterr().err
    node1 = next(n for n in cluster.nodes[1:] if n.node_id != executor)
    code = _free_nonce_cli(monkeypatch, node1, "--recipient", recipient, "--nonce", "1",
                           "--send")  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "filler minted in tx" in out

    # Then nonce 1 is used by a mint of nothing, the waiting mint executes at nonce 2, the stuck
    # one is prepared again and executes at nonce 3: each deposit minted once
    _run_until(cluster, lambda: all(cluster.mint(tx)["status"] == "executed"
                                    for tx in (first, second)))  # fmt: skip
    freed, behind = cluster.mint(first), cluster.mint(second)
    assert (behind["nonce"], freed["nonce"]) == (2, 3)
    assert [r["nonce"] for r in freed["retired_orders"]] == [1]
    assert cluster.token.get_user_nonce(recipient) == 3
    assert cluster.token.balance_of(recipient) == FIRST + SECOND
    assert cluster.token.total_supply() - supply == FIRST + SECOND
    # every node's earlier payload at nonce 1 is retired as dead; its signers hold the new one
    event = node0.custody.source_event(_entry(cluster, first))
    live = node0.custody.payload_hash(freed["order"])
    for node in cluster.nodes:
        signed = node.node_id in freed["signers"]
        assert node.context.journal.live_payload(event) == (live if signed else None)
    assert len(freed["signers"]) >= 2
    assert node1.context.journal.live_payload(filler.event) == node0.custody.payload_hash(
        filler.order
    )
    _afterwards(monkeypatch, capsys, cluster, filler, recipient, executor)


def test_a_filler_a_database_writer_stores_is_neither_signed_nor_sent(
    mint_cluster: MintCluster,
) -> None:
    cluster = mint_cluster
    recipient = recipient_address(62)
    _stuck(cluster, recipient)
    custody = cluster.nodes[0].custody
    filler = filler_for(custody, recipient, 1)
    # Given a database writer's filler document with signatures: one by a key that is not a
    # validator, one of another MintData (amount 5), and node 0's valid filler signature
    # copied under node 1's name
    outsider = LocalKeySigner(keccak(text="not a validator"))
    domain = custody.domain
    by_outsider = sign_mint_data(outsider, domain.chain_id, domain.controller, recipient, 0, 1)
    other_mint = custody.sign(domain.order(recipient, 5, 1))
    node0_filler = custody.sign(filler.order)
    signatures = {
        "node-2": SignatureRecord(
            "node-2", eth_address_of(outsider.public_key), "0x" + by_outsider.hex()
        ),
        "node-3": SignatureRecord("node-3", other_mint.signer, other_mint.signature),
        "node-1": SignatureRecord("node-1", node0_filler.signer, node0_filler.signature),
    }
    cluster.db[CONTROL].insert_one({
        "_id": filler.doc_id, "kind": "mint_filler", "at_ms": 1, "recipient": recipient,
        "nonce": 1, "signatures": {k: v.to_document() for k, v in signatures.items()},
    })  # fmt: skip

    # When every node's workers run
    cluster.execute(0, 1, 2, passes=3)

    # Then no worker signed it, only node 0's copied signature counts (as node 0's), so it
    # cannot be sent, and node 1's operator is not told that node 1 signed already
    assert cluster.token.get_user_nonce(recipient) == 0
    for node in cluster.nodes:
        assert node.context.journal.live_payload(filler.event) is None
    assert examine(custody, cluster.db, filler).signers == (custody.signer_address,)
    with pytest.raises(NotReadyError, match="1 valid signatures, threshold is 2"):
        send(custody, cluster.db, filler)
    lines: list[str] = []
    node1 = cluster.nodes[1]
    free_nonce(node1.custody, node1.context.journal, cluster.db, filler,
               dry_run=False, submit=False, done=lines)  # fmt: skip
    assert lines[1].startswith("signed the filler")
    # (its own signature replaced the copy stored under its name)
    assert lines[2] == "1 of 2 signatures stored: more operators must run this command"
