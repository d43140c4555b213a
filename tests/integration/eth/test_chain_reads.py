"""Log scanning, burn decoding, reorgs, confirmations and mint submission against anvil."""

from __future__ import annotations

import itertools

import pytest

from tests.fixtures.anvil import CHAIN_ID, EthEnv
from wpokt_node.addresses import address_from_bytes
from wpokt_node.eth.burn_check import BurnLogState, ExpectedBurn, check_burn_log
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.eip712 import MintData
from wpokt_node.eth.events import BURN_AND_BRIDGE_TOPIC, decode_burn, topic_hex
from wpokt_node.eth.log_scan import BlockRange, LogScanner
from wpokt_node.eth.mint import MintSubmitter, find_minted_event
from wpokt_node.eth.transactions import TransactionRevertedError

pytestmark = pytest.mark.eth

POKT_BYTES = bytes.fromhex("0102030405060708090a0b0c0d0e0f1011121314")
BURN_TOPICS: list[str | None] = [topic_hex(BURN_AND_BRIDGE_TOPIC)]


def _expected(env: EthEnv, tx_hash: str, amount: int, burn_index: int = 0) -> ExpectedBurn:
    return ExpectedBurn(
        tx_hash, burn_index, amount, env.holder_address, address_from_bytes(POKT_BYTES)
    )


def test_burn_and_bridge_decodes_to_bech32_recipient(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 10_000_000)
    receipt = eth_env.burn(2_500_000, POKT_BYTES)
    [chunk] = LogScanner(eth_env.client).scan(
        eth_env.token.address, BURN_TOPICS, BlockRange(receipt.block_number, receipt.block_number)
    )
    [log] = chunk.logs
    burn = decode_burn(log, 0)
    assert (burn.burn_index, burn.log_index) == (0, receipt.logs[-1].log_index)
    assert burn.amount == 2_500_000
    assert burn.to_address == address_from_bytes(POKT_BYTES)
    assert burn.to_address.startswith("pokt1")
    assert burn.from_address == eth_env.holder_address
    assert burn.transaction_hash == receipt.transaction_hash
    assert eth_env.token.balance_of(eth_env.holder_address) == 7_500_000


def test_scanning_ten_thousand_blocks_finds_each_event_once(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 1_000_000)
    start = eth_env.anvil.block_number() + 1
    gaps = [0, 1, 998, 1, 1500, 999, 1000, 2, 3000, 400, 1200, 3]
    expected = []
    for i, gap in enumerate(gaps):
        if gap:
            eth_env.anvil.mine(gap)
        expected.append(eth_env.burn(100 + i, POKT_BYTES).transaction_hash)
    eth_env.anvil.mine(10_000 - (eth_env.anvil.block_number() - start + 1))
    head = eth_env.anvil.block_number()
    assert head - start + 1 == 10_000
    for chunk_size in (1000, 333):
        scanner = LogScanner(eth_env.client, chunk_size)
        found = []
        covered = []
        for chunk in scanner.scan(eth_env.token.address, BURN_TOPICS, BlockRange(start, head)):
            covered.append(chunk.blocks)
            found += [decode_burn(log, 0) for log in chunk.logs]
        assert [b.transaction_hash for b in found] == expected
        assert [b.amount for b in found] == [100 + i for i in range(len(gaps))]
        assert covered[0].first == start
        assert covered[-1].last == head
        assert all(a.last + 1 == b.first for a, b in itertools.pairwise(covered))
        assert max(len(r) for r in covered) == chunk_size


def test_reorged_burn_is_reported_gone_and_never_confirmed(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 1_000)
    policy = ConfirmationPolicy(required_depth=3)
    fork_point = eth_env.anvil.snapshot()
    receipt = eth_env.burn(400, POKT_BYTES)
    expected = _expected(eth_env, receipt.transaction_hash, 400)
    check = check_burn_log(eth_env.client, eth_env.token.address, expected, policy)
    assert check.state is BurnLogState.FOUND
    assert (check.confirmations, check.confirmed) == (1, False)
    eth_env.anvil.mine(2)
    check = check_burn_log(eth_env.client, eth_env.token.address, expected, policy)
    assert (check.confirmations, check.confirmed) == (3, True)

    eth_env.anvil.revert(fork_point)  # the burn's block is replaced by a longer fork
    eth_env.anvil.mine(10)
    gone = check_burn_log(eth_env.client, eth_env.token.address, expected, policy)
    assert gone.state is BurnLogState.MISSING
    assert not gone.confirmed
    assert not gone.exists


def test_burn_check_detects_edited_entry_and_uses_finalized_tag(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 1_000)
    receipt = eth_env.burn(400, POKT_BYTES)
    forged = ExpectedBurn(
        receipt.transaction_hash,
        0,
        4_000,
        eth_env.holder_address,
        address_from_bytes(POKT_BYTES),
    )
    finalized = ConfirmationPolicy.from_setting("finalized")
    mismatch = check_burn_log(eth_env.client, eth_env.token.address, forged, finalized)
    assert mismatch.state is BurnLogState.MISMATCH
    assert "amount" in mismatch.reason
    expected = _expected(eth_env, receipt.transaction_hash, 400)
    wrong_index = _expected(eth_env, receipt.transaction_hash, 400, burn_index=1)
    assert (
        check_burn_log(eth_env.client, eth_env.token.address, wrong_index, finalized).state
        is BurnLogState.MISSING
    )
    not_final = check_burn_log(eth_env.client, eth_env.token.address, expected, finalized)
    assert not_final.exists
    assert not not_final.confirmed
    eth_env.anvil.mine(64)  # anvil finalizes head - 64
    final = check_burn_log(eth_env.client, eth_env.token.address, expected, finalized)
    assert final.confirmed
    assert final.confirmations == 65


def test_mint_submitter_submits_and_finds_minted_event(eth_env: EthEnv) -> None:
    recipient = "0x00000000000000000000000000000000000000b2"
    submitter = MintSubmitter(
        eth_env.controller, eth_env.token, eth_env.sender(eth_env.gas_key), gas_limit=400_000
    )
    nonce = eth_env.token.get_user_nonce(recipient) + 1
    data = MintData(recipient, 3_000_000, nonce)
    signed = submitter.prepare(data, eth_env.signatures(data, eth_env.validators[2:11]))
    assert signed.nonce == int(
        eth_env.client.request("eth_getTransactionCount", [signed.sender, "latest"]), 16
    )
    assert eth_env.client.receipt(signed.tx_hash) is None  # signed, recorded, not yet sent
    assert submitter.broadcast(signed) == signed.tx_hash
    assert submitter.broadcast(signed) == signed.tx_hash  # re-broadcast is harmless
    outcome = submitter.wait(signed.tx_hash, data)
    assert (outcome.minted.recipient, outcome.minted.amount, outcome.minted.nonce) == (
        data.recipient,
        3_000_000,
        nonce,
    )
    assert eth_env.token.get_user_nonce(recipient) == nonce
    found = find_minted_event(
        eth_env.client,
        eth_env.token.address,
        recipient,
        nonce,
        BlockRange(eth_env.deployment.deploy_block, eth_env.anvil.block_number()),
    )
    assert found == outcome.minted
    assert (
        find_minted_event(
            eth_env.client,
            eth_env.token.address,
            recipient,
            nonce + 1,
            BlockRange(eth_env.deployment.deploy_block, eth_env.anvil.block_number()),
        )
        is None
    )


def test_mint_revert_reason_is_surfaced(eth_env: EthEnv) -> None:
    recipient = "0x00000000000000000000000000000000000000b3"
    sender = eth_env.sender(eth_env.gas_key)
    submitter = MintSubmitter(eth_env.controller, eth_env.token, sender, gas_limit=400_000)
    data = MintData(recipient, 1, 5)
    sigs = eth_env.signatures(data, eth_env.validators[:9])
    with pytest.raises(TransactionRevertedError, match=r"UserNonce\(0x0+b3, 5\)"):
        submitter.prepare(data, sigs)
    # a mined, reverted transaction: the reason comes from replaying it
    signed = sender.sign(
        eth_env.controller.address, eth_env.controller.encode_mint(data, sigs), 400_000
    )
    submitter.broadcast(signed)
    with pytest.raises(TransactionRevertedError, match=r"UserNonce") as info:
        submitter.wait(signed.tx_hash, data)
    assert info.value.tx_hash == signed.tx_hash
    assert eth_env.client.chain_id() == CHAIN_ID
