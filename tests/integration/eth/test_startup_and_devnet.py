"""Startup checks, RPC outages, the anvil launcher and artifact reproducibility."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.fixtures.anvil import CHAIN_ID, FAST_RETRY, THRESHOLD, EthEnv
from wpokt_devnet.anvil import ANVIL_BIN_ENV, Anvil, AnvilError, AnvilOptions, free_port
from wpokt_node.config import EthereumSettings
from wpokt_node.errors import StartupCheckError
from wpokt_node.eth.artifacts import MINT_CONTROLLER, WRAPPED_POCKET, load_artifact
from wpokt_node.eth.build import build_artifacts, stale_artifacts
from wpokt_node.eth.client import EthClient, RetryPolicy, RpcUnavailableError
from wpokt_node.eth.startup import check_validator_set, run_ethereum_startup_checks
from wpokt_node.keys.signer import eth_address_of

pytestmark = pytest.mark.eth
ROOT = Path(__file__).resolve().parents[3]


def _settings(env: EthEnv, **overrides: object) -> EthereumSettings:
    values: dict[str, object] = {
        "rpc_url": env.anvil.url,
        "chain_id": CHAIN_ID,
        "token_address": env.deployment.token,
        "mint_controller_address": env.deployment.controller,
        "validator_addresses": list(env.deployment.validators),
    }
    values.update(overrides)
    return EthereumSettings.model_validate(values)


def test_startup_checks_pass_and_read_the_validator_set(eth_env: EthEnv) -> None:
    validators = [eth_address_of(s.public_key) for s in eth_env.validators]
    state = run_ethereum_startup_checks(eth_env.client, _settings(eth_env), validators, THRESHOLD)
    assert state is not None
    assert (state.count, state.threshold) == (12, THRESHOLD)
    assert state.members == sorted(validators)


def test_wrong_chain_id_names_both_values(eth_env: EthEnv) -> None:
    with pytest.raises(StartupCheckError, match=r"configured 1, but the RPC at .* reports 31337"):
        run_ethereum_startup_checks(eth_env.client, _settings(eth_env, chain_id=1))


def test_wrong_contract_addresses_are_named(eth_env: EthEnv) -> None:
    empty = "0x00000000000000000000000000000000000000e1"  # checksum form
    with pytest.raises(
        StartupCheckError, match=f"no contract code at the configured token_address {empty}"
    ):
        run_ethereum_startup_checks(eth_env.client, _settings(eth_env, token_address=empty))
    swapped = _settings(
        eth_env,
        token_address=eth_env.deployment.controller,
        mint_controller_address=eth_env.deployment.controller,
    )
    with pytest.raises(
        StartupCheckError,
        match=f"configured token_address {eth_env.deployment.controller}, but the controller at "
        f"{eth_env.deployment.controller} mints {eth_env.deployment.token}",
    ):
        run_ethereum_startup_checks(eth_env.client, swapped)
    not_controller = _settings(eth_env, mint_controller_address=eth_env.deployment.token)
    with pytest.raises(StartupCheckError, match="does not answer wPokt"):
        run_ethereum_startup_checks(eth_env.client, not_controller)


def test_validator_set_mismatch_is_explained(eth_env: EthEnv) -> None:
    validators = [eth_address_of(s.public_key) for s in eth_env.validators]
    state = eth_env.controller.validator_state([*validators[:11], eth_env.holder_address])
    with pytest.raises(StartupCheckError) as info:
        check_validator_set(state, [*validators[:11], eth_env.holder_address], 8)
    message = str(info.value)
    assert f"not validators on the controller: {eth_env.holder_address}" in message
    assert "threshold is 9, configured threshold 8" in message


def test_rpc_down_fails_after_bounded_retries() -> None:
    port = free_port()
    client = EthClient(
        f"http://user:secret@127.0.0.1:{port}/v3/apikey", timeout_s=1, retry=FAST_RETRY
    )
    started = time.monotonic()
    with pytest.raises(RpcUnavailableError) as info:
        client.block_number()
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert f"http://127.0.0.1:{port}" in message
    assert "after 2 attempts" in message
    assert "secret" not in message
    assert "apikey" not in message
    assert "secret" not in repr(client)


def test_anvil_block_time_and_clean_stop(tmp_path: Path) -> None:
    anvil = Anvil(AnvilOptions(chain_id=4242, block_time_s=0.2), log_dir=tmp_path)
    with anvil:
        client = EthClient(anvil.url, retry=RetryPolicy(attempts=1))
        assert client.chain_id() == 4242
        first = client.block_number()
        time.sleep(0.7)
        assert client.block_number() > first
        pid = anvil.pid
        assert pid is not None
    assert anvil.pid is None
    assert (
        not Path(f"/proc/{pid}").exists()
        or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    )
    with pytest.raises(RpcUnavailableError):
        EthClient(anvil.url, timeout_s=1, retry=RetryPolicy(attempts=1)).chain_id()


def test_missing_anvil_binary_says_run_make_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ANVIL_BIN_ENV, str(tmp_path / "nope"))
    with pytest.raises(AnvilError, match="is not a file"):
        Anvil().start()
    monkeypatch.delenv(ANVIL_BIN_ENV)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("wpokt_devnet.anvil._search_roots", lambda: [tmp_path])
    with pytest.raises(AnvilError, match="make setup"):
        Anvil().start()


def test_artifacts_load_without_npm() -> None:
    token = load_artifact(WRAPPED_POCKET)
    controller = load_artifact(MINT_CONTROLLER)
    assert token.compiler_version.startswith("0.8.37+")
    assert token.source_hash == controller.source_hash
    assert {"mintWrappedPocket", "hashMintData", "currentMintLimit"} <= {
        item.get("name") for item in controller.abi
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (make setup)")
def test_committed_artifacts_match_a_fresh_compile() -> None:
    assert stale_artifacts(ROOT, build_artifacts(ROOT)) == [], "run `make contracts`"
