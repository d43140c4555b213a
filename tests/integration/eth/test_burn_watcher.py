"""The burn watcher fills ``burns`` from anvil exactly once per log (embedded MongoDB)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from pymongo.database import Database
from structlog.testing import capture_logs

from tests.fixtures.anvil import CHAIN_ID, FAST_RETRY, EthEnv, double_burner_code
from tests.unit.test_config import example_data
from wpokt_devnet.anvil import free_port
from wpokt_node.addresses import address_from_bytes
from wpokt_node.burn import watcher as watcher_module
from wpokt_node.burn.reobserve import reobserve_burns
from wpokt_node.burn.watcher import CURSOR_NAME, BurnWatcher
from wpokt_node.config import EthereumSettings, Settings, parse_settings
from wpokt_node.db.counters import COMMANDS
from wpokt_node.db.entries import InsertOutcome, insert_once
from wpokt_node.db.nodes import get_cursor
from wpokt_node.db.schema import BURNS
from wpokt_node.errors import DatabaseError, ValidationError
from wpokt_node.eth.burn_check import BurnLogState, ExpectedBurn, check_burn_log
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.confirmations import ConfirmationPolicy

pytestmark = pytest.mark.eth

Document = dict[str, Any]
NODE = "node-01"
POKT = bytes.fromhex("a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4")


def _watcher(
    env: EthEnv,
    db: Database[Document],
    *,
    chunk: int = 1000,
    margin: int = 16,
    rpc: str = "",
    node: str = NODE,
) -> BurnWatcher:
    settings = EthereumSettings.model_validate(
        {
            "rpc_url": rpc or env.anvil.url,
            "chain_id": CHAIN_ID,
            "token_address": env.deployment.token,
            "mint_controller_address": env.deployment.controller,
            "validator_addresses": list(env.deployment.validators),
            "start_block": env.deployment.deploy_block,
            "scan_chunk_size": chunk,
            "reorg_margin": margin,
            "confirmations": 3,
        }
    )
    client = EthClient(settings.rpc_url, timeout_s=2, retry=FAST_RETRY)
    return BurnWatcher(db, node, client, settings)


def _burns(db: Database[Document]) -> list[Document]:
    return list(db[BURNS].find({}, sort=[("height", 1), ("log_index", 1)]))


def test_burn_entries_have_the_agreed_shape(eth_env: EthEnv, mongo_db: Database[Document]) -> None:
    eth_env.mint(eth_env.holder_address, 5_000_000)
    receipt = eth_env.burn(1_234_567, POKT)
    eth_env.anvil.mine(2)
    result = _watcher(eth_env, mongo_db).run_once()
    assert (result.inserted, result.error) == (1, None)
    [doc] = _burns(mongo_db)
    assert doc["transaction_hash"] == receipt.transaction_hash
    assert doc["burn_index"] == 0
    assert doc["log_index"] == receipt.logs[-1].log_index
    assert doc["height"] == receipt.block_number
    assert doc["block_hash"] == receipt.block_hash
    assert doc["confirmations"] == 3
    assert doc["from_address"] == eth_env.holder_address
    assert doc["to_address"] == address_from_bytes(POKT)
    assert doc["amount"] == "1234567"
    assert doc["status"] == "detected"
    assert (doc["signers"], doc["signatures"]) == ([], [])
    assert doc["memo"] is None
    assert doc["order"] is None
    assert doc["sequence"] is None
    assert doc["execution_tx_hash"] is None
    assert doc["error"] is None
    assert doc["audit_seq"] == 0
    assert isinstance(doc["created_at"], datetime)
    assert doc["created_at"] == doc["updated_at"]
    assert get_cursor(mongo_db, NODE, CURSOR_NAME) == eth_env.anvil.block_number()


def test_every_log_is_recorded_exactly_once_across_runs(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    eth_env.mint(eth_env.holder_address, 1_000_000)
    watcher = _watcher(eth_env, mongo_db, chunk=250, margin=64)
    expected = []
    for i, gap in enumerate([0, 3, 700, 1, 1999, 40, 600, 2]):
        if gap:
            eth_env.anvil.mine(gap)
        expected.append(eth_env.burn(1_000 + i, POKT).transaction_hash)
        if i % 3 == 0:
            assert watcher.run_once().error is None
    eth_env.anvil.mine(500)
    watcher.max_blocks_per_run = 700  # the backlog takes several runs
    for _ in range(4):
        assert watcher.run_once().error is None
    docs = _burns(mongo_db)
    assert [d["transaction_hash"] for d in docs] == expected
    assert [d["amount"] for d in docs] == [str(1_000 + i) for i in range(8)]
    assert get_cursor(mongo_db, NODE, CURSOR_NAME) == eth_env.anvil.block_number()


def test_another_nodes_scan_of_known_burns_reads_them_at_once(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    # Given five burns one node recorded
    eth_env.mint(eth_env.holder_address, 10_000)
    for i in range(5):
        eth_env.burn(100 + i, POKT)
    eth_env.anvil.mine(3)
    assert _watcher(eth_env, mongo_db).run_once().inserted == 5
    # When another node scans the same blocks
    before = COMMANDS.count
    result = _watcher(eth_env, mongo_db, node="node-other").run_once()
    # Then it records nothing, in three commands: its cursor's read, the burns' read (one
    # chunk), its cursor's write
    assert (result.inserted, result.logs_seen, result.error) == (0, 5, None)
    assert COMMANDS.count - before == 3
    assert len(_burns(mongo_db)) == 5


def test_reorged_burn_stays_unconfirmed_and_the_replacement_is_found(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    eth_env.mint(eth_env.holder_address, 10_000)
    watcher = _watcher(eth_env, mongo_db, margin=16)
    fork_point = eth_env.anvil.snapshot()
    orphan = eth_env.burn(111, POKT)
    assert watcher.run_once().inserted == 1
    cursor = get_cursor(mongo_db, NODE, CURSOR_NAME)
    eth_env.anvil.revert(fork_point)
    replacement = eth_env.burn(222, POKT)  # same height as the orphan, on the new fork
    assert cursor is not None
    assert replacement.block_number <= cursor  # only the reorg margin re-scan can find it
    eth_env.anvil.mine(5)
    assert watcher.run_once().inserted == 1
    docs = {d["transaction_hash"]: d for d in _burns(mongo_db)}
    assert set(docs) == {orphan.transaction_hash, replacement.transaction_hash}
    policy = ConfirmationPolicy(required_depth=3)

    def check(tx: str) -> Any:
        doc = docs[tx]
        expected = ExpectedBurn(
            tx, doc["burn_index"], int(doc["amount"]), doc["from_address"], doc["to_address"]
        )
        return check_burn_log(eth_env.client, eth_env.deployment.token, expected, policy)

    gone = check(orphan.transaction_hash)
    assert gone.state is BurnLogState.MISSING
    assert not gone.confirmed
    kept = check(replacement.transaction_hash)
    assert kept.exists
    assert kept.confirmed


def test_cursor_does_not_pass_a_failed_insert(
    eth_env: EthEnv, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    eth_env.mint(eth_env.holder_address, 10_000)
    first = eth_env.burn(1, POKT)
    eth_env.anvil.mine(300)
    eth_env.burn(2, POKT)
    watcher = _watcher(eth_env, mongo_db, chunk=100)
    real_insert = insert_once
    calls = {"n": 0}

    def flaky(collection: Any, document: Any, **kwargs: Any) -> InsertOutcome:
        calls["n"] += 1
        if calls["n"] == 2:
            raise DatabaseError("burns: insert failed: simulated outage")
        return real_insert(collection, document, **kwargs)

    monkeypatch.setattr(watcher_module, "insert_once", flaky)
    result = watcher.run_once()
    assert result.error is not None
    assert "simulated outage" in result.error
    cursor = get_cursor(mongo_db, NODE, CURSOR_NAME)
    assert cursor is not None
    assert first.block_number <= cursor < first.block_number + 300
    assert len(_burns(mongo_db)) == 1
    assert watcher.run_once().error is None
    assert [d["amount"] for d in _burns(mongo_db)] == ["1", "2"]


def test_rpc_down_is_reported_and_the_loop_can_continue(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    down = _watcher(eth_env, mongo_db, rpc=f"http://127.0.0.1:{free_port()}")
    with capture_logs() as logs:
        result = down.run_once()
    events = [entry["event"] for entry in logs]
    assert events.count("eth_rpc_retry") == 1  # 2 attempts: one retry, then give up
    assert events[-1] == "burn_watcher_failed"
    assert logs[-1]["log_level"] == "error"
    assert result.error is not None
    assert "after 2 attempts" in result.error
    assert get_cursor(mongo_db, NODE, CURSOR_NAME) is None
    assert _watcher(eth_env, mongo_db).run_once().error is None
    assert get_cursor(mongo_db, NODE, CURSOR_NAME) == eth_env.anvil.block_number()


def test_a_burn_re_included_at_another_log_index_is_recorded_once(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    # Given a burn recorded by the watcher, deeper than the confirmations
    eth_env.mint(eth_env.holder_address, 10_000)
    eth_env.mint(eth_env.admin_address, 10)  # for a transfer: another token log
    watcher = _watcher(eth_env, mongo_db, margin=16)
    fork_point = eth_env.anvil.snapshot()
    burn = eth_env.sign_burn(700, POKT)
    first = eth_env.include(burn)
    eth_env.anvil.mine(3)
    assert watcher.run_once().inserted == 1

    # When a reorg re-includes the same signed tx after a transfer of the token
    eth_env.anvil.revert(fork_point)
    transfer = eth_env.sign_transfer(eth_env.admin, eth_env.holder_address, 1, outbid=burn)
    moved, again = eth_env.mine_in_one_block(transfer, burn)
    assert again.transaction_hash == first.transaction_hash
    assert again.logs[-1].log_index == moved.logs[-1].log_index + 2  # transfer first
    assert again.logs[-1].log_index != first.logs[-1].log_index
    eth_env.anvil.mine(3)
    result = watcher.run_once()

    # Then it is the same burn: one entry, found where it is now
    docs = _burns(mongo_db)
    assert [d["transaction_hash"] for d in docs] == [first.transaction_hash]
    assert (result.inserted, result.error) == (0, None)
    [doc] = docs
    assert (doc["burn_index"], doc["log_index"]) == (0, first.logs[-1].log_index)
    expected = ExpectedBurn(
        doc["transaction_hash"], 0, 700, eth_env.holder_address, address_from_bytes(POKT)
    )
    policy = ConfirmationPolicy(required_depth=3)
    check = check_burn_log(eth_env.client, eth_env.deployment.token, expected, policy)
    assert check.exists
    assert check.confirmed
    assert check.event is not None
    assert (check.event.log_index, check.event.block_hash) == (
        again.logs[-1].log_index,
        again.block_hash,
    )


OTHER_POKT = bytes.fromhex("b1" * 20)


def _double_burn(eth_env: EthEnv) -> tuple[str, Any]:
    """A contract holding 1000 wPOKT burns 300 to POKT, then 400 to OTHER_POKT, in one tx."""
    deployer = eth_env.sender(eth_env.admin)
    signed = deployer.sign(None, double_burner_code(eth_env.deployment.token), 300_000)
    deployer.broadcast(signed)
    deployer.check_receipt(deployer.wait_for_receipt(signed.tx_hash), "deploy")
    raw = eth_env.client.request("eth_getTransactionReceipt", [signed.tx_hash])
    burner = str(raw["contractAddress"])
    eth_env.mint(burner, 1_000)
    calls = eth_env.token.encode("burnAndBridge", 300, to_checksum_address(POKT))
    calls += eth_env.token.encode("burnAndBridge", 400, to_checksum_address(OTHER_POKT))
    receipt = eth_env.sender(eth_env.holder).send(burner, calls, 300_000, "double burn")
    eth_env.anvil.mine(2)
    return burner, receipt


def test_two_burns_in_one_tx_are_numbered_in_log_order(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    # Given a contract that burns twice in one call, holding the wPOKT it burns
    # When one tx burns 300 to POKT and then 400 to another Pocket address
    burner, receipt = _double_burn(eth_env)
    other = OTHER_POKT
    result = _watcher(eth_env, mongo_db).run_once()

    # Then the watcher records two burns of the tx, numbered 0 and 1 in log order
    assert (result.inserted, result.error) == (2, None)
    docs = _burns(mongo_db)
    assert [(d["burn_index"], d["amount"], d["to_address"]) for d in docs] == [
        (0, "300", address_from_bytes(POKT)),
        (1, "400", address_from_bytes(other)),
    ]
    assert {d["transaction_hash"] for d in docs} == {receipt.transaction_hash}
    assert docs[0]["log_index"] < docs[1]["log_index"]

    # And the re-check finds each by its number in the receipt
    policy = ConfirmationPolicy(required_depth=3)
    sender = str(to_checksum_address(burner))

    def check(index: int, amount: int, to: bytes) -> Any:
        expected = ExpectedBurn(
            receipt.transaction_hash, index, amount, sender, address_from_bytes(to)
        )
        return check_burn_log(eth_env.client, eth_env.deployment.token, expected, policy)

    assert check(0, 300, POKT).state is BurnLogState.FOUND
    assert check(1, 400, other).state is BurnLogState.FOUND
    assert check(1, 300, POKT).state is BurnLogState.MISMATCH
    assert check(2, 400, other).state is BurnLogState.MISSING


def _settings(env: EthEnv, start_block: int) -> Settings:
    data = example_data()
    data["ethereum"].update(
        rpc_url=env.anvil.url,
        chain_id=CHAIN_ID,
        token_address=env.deployment.token,
        start_block=start_block,
    )
    return parse_settings(data, {})


def test_reobserve_records_a_skipped_burn_as_the_watcher_would(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    # Given a tx with two burns that no watcher has scanned
    _, receipt = _double_burn(eth_env)
    other = OTHER_POKT
    settings = _settings(eth_env, eth_env.deployment.deploy_block)
    second = receipt.logs[-1].log_index
    # When an operator reobserves the second burn only (a dry run first)
    dry = reobserve_burns(settings, mongo_db, eth_env.client, receipt.transaction_hash,
                          log_index=second, dry_run=True)  # fmt: skip
    assert [(r.source, r.recorded) for r in dry] == [(f"eth:{receipt.transaction_hash}:1", False)]
    assert _burns(mongo_db) == []
    [found] = reobserve_burns(settings, mongo_db, eth_env.client, receipt.transaction_hash,
                              log_index=second, dry_run=False)  # fmt: skip
    assert found.recorded
    # Then the watcher, scanning later, records only the first; the fields are its own
    assert _watcher(eth_env, mongo_db).run_once().inserted == 1
    docs = _burns(mongo_db)
    assert [(d["burn_index"], d["amount"]) for d in docs] == [(0, "300"), (1, "400")]
    assert docs[1]["to_address"] == address_from_bytes(other)
    assert docs[1]["log_index"] == second
    # And reobserving the whole tx now changes nothing
    again = reobserve_burns(settings, mongo_db, eth_env.client, receipt.transaction_hash,
                            log_index=None, dry_run=False)  # fmt: skip
    assert [r.recorded for r in again] == [False, False]
    assert len(_burns(mongo_db)) == 2


def test_reobserve_refuses_a_burn_before_the_clusters_start_block(
    eth_env: EthEnv, mongo_db: Database[Document]
) -> None:
    eth_env.mint(eth_env.holder_address, 5_000)
    receipt = eth_env.burn(1_000, POKT)
    settings = _settings(eth_env, receipt.block_number + 1)
    with pytest.raises(ValidationError, match="before this cluster's start block"):
        reobserve_burns(settings, mongo_db, eth_env.client, receipt.transaction_hash,
                        log_index=None, dry_run=False)  # fmt: skip
    assert _burns(mongo_db) == []
