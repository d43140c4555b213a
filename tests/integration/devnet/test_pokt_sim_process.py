"""The simulator as ``wpokt-node devnet pokt`` in a child process: start, serve, stop, restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from cosmpy.aerial.client import LedgerClient, NetworkConfig
from cosmpy.crypto.address import Address

from tests.fixtures.pokt import POKT_USER_BALANCE, pokt_genesis
from wpokt_devnet.pokt_sim.launcher import PoktSimProcess
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_node.errors import ChainError
from wpokt_node.keys.signer import LocalKeySigner
from wpokt_node.node.cli import build_parser

pytestmark = pytest.mark.pokt


def test_child_process_serves_cosmpy_and_stops_on_sigterm(
    pokt_sim_process: PoktSimProcess, pokt_users: list[LocalKeySigner]
) -> None:
    client = LedgerClient(
        NetworkConfig(
            chain_id="pocket", url=f"rest+{pokt_sim_process.url}", fee_minimum_gas_price=0,
            fee_denomination="upokt", staking_denomination="upokt",
        )
    )  # fmt: skip
    wallet = DevnetWallet(pokt_users[0], pokt_sim_process.url)
    assert client.query_bank_balance(Address(wallet.address)) == POKT_USER_BALANCE
    wallet.send(DevnetWallet(pokt_users[1], pokt_sim_process.url).address, 10)
    assert client.query_height() == 2
    pid = pokt_sim_process.pid
    assert pid is not None
    pokt_sim_process.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(requests.ConnectionError):
        requests.get(pokt_sim_process.url + "/cosmos/auth/v1beta1/params", timeout=2)


def test_state_file_keeps_balances_across_restarts(
    tmp_path: Path, pokt_users: list[LocalKeySigner]
) -> None:
    genesis = pokt_genesis(pokt_users[:2], state_file=str(tmp_path / "state.json"))
    with PoktSimProcess(genesis, tmp_path / "first") as first:
        alice = DevnetWallet(pokt_users[0], first.url)
        bob = DevnetWallet(pokt_users[1], first.url)
        txhash = alice.send(bob.address, 777, fee=3)
    with PoktSimProcess(genesis, tmp_path / "second") as second:
        alice = DevnetWallet(pokt_users[0], second.url)
        assert alice.balance() == POKT_USER_BALANCE - 780
        assert alice.account() == (0, 1)
        assert alice.wait_for_tx(txhash, timeout_s=1).code == 0
        assert alice.send(bob.address, 1)


def test_bad_genesis_fails_fast_with_a_clear_log(tmp_path: Path) -> None:
    process = PoktSimProcess({"accounts": [{"address": "nope"}]}, tmp_path, startup_timeout_s=15)
    with pytest.raises(ChainError, match="exited with code 1"):
        process.start()
    assert "accounts[0].address" in process.log_file.read_text()


def test_cli_has_the_devnet_pokt_command() -> None:
    args = build_parser().parse_args(["devnet", "pokt", "--port", "0", "--block-time", "1"])
    assert args.devnet_command == "pokt"
    assert args.block_time == 1.0
