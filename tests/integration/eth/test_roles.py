"""Who may change the validator set or mint: given a deployment, the role watch names every
extra admin or minter found in the token's grant history and forgets one whose role was
revoked; outside devnet the deploy tooling hands the admin role to a timelock driven by a
multisig contract and refuses to leave it with a key."""

from __future__ import annotations

import pytest

from tests.fixtures.anvil import THRESHOLD, EthEnv
from wpokt_devnet.deploy import DeployError, admin_calls, deploy_contracts
from wpokt_node.config import Network
from wpokt_node.eth.artifacts import ADMIN_TIMELOCK, load_artifact
from wpokt_node.eth.contracts import DEFAULT_ADMIN_ROLE, MINTER_ROLE, PAUSER_ROLE
from wpokt_node.eth.roles import RoleExpectation, RoleWatch, is_contract_code
from wpokt_node.keys.signer import eth_address_of

pytestmark = pytest.mark.eth
DAY_S = 86_400


def _watch(env: EthEnv, admin: str | None, *, contract_admin: bool = False) -> RoleWatch:
    expected = RoleExpectation(admin, env.deployment.controller, contract_admin)
    return RoleWatch(env.client, env.token, env.deployment.deploy_block, expected)


def _as_admin(env: EthEnv, function: str, role: bytes, account: str) -> None:
    admin_calls(
        env.sender(env.admin), [(env.token.address, env.token.encode(function, role, account))]
    )


def test_a_fresh_deployment_has_its_admin_and_controller_only(eth_env: EthEnv) -> None:
    assert _watch(eth_env, eth_env.deployment.admin).problems() == []
    assert _watch(eth_env, None).problems() == []  # devnet: one admin, whoever it is
    outside_devnet = _watch(eth_env, eth_env.deployment.admin, contract_admin=True).problems()
    assert outside_devnet == [
        f"the admin {eth_env.deployment.admin} is an account without contract code (an EOA): "
        "outside devnet the admin must be a multisig behind a timelock"
    ]
    wrong = "0x" + "5a" * 20
    assert (
        f"the configured admin {wrong.lower()}"
        in " ".join(_watch(eth_env, wrong).problems()).lower()
    )


def test_an_extra_minter_or_admin_is_named_until_it_is_revoked(eth_env: EthEnv) -> None:
    watch = _watch(eth_env, eth_env.deployment.admin)
    holder = eth_address_of(eth_env.holder.public_key)
    assert watch.problems() == []
    _as_admin(eth_env, "grantRole", MINTER_ROLE, holder)
    (minter,) = watch.problems()
    assert minter.startswith(f"MINTER_ROLE is held by {holder}: only the MintController")
    _as_admin(eth_env, "grantRole", DEFAULT_ADMIN_ROLE, holder)
    assert any("DEFAULT_ADMIN_ROLE is held by" in p and holder in p for p in watch.problems())
    _as_admin(eth_env, "revokeRole", MINTER_ROLE, holder)
    _as_admin(eth_env, "revokeRole", DEFAULT_ADMIN_ROLE, holder)
    assert watch.problems() == []


def test_outside_devnet_the_deployer_keeps_no_role_and_an_eoa_admin_is_refused(
    eth_env: EthEnv,
) -> None:
    validators = list(eth_env.deployment.validators)
    holder = eth_address_of(eth_env.holder.public_key)
    with pytest.raises(DeployError, match="must be a multisig behind a timelock"):
        deploy_contracts(eth_env.client, eth_env.admin, validators, THRESHOLD,
                         network=Network.TESTNET)  # fmt: skip
    with pytest.raises(DeployError, match=f"{holder} has no contract code"):
        deploy_contracts(eth_env.client, eth_env.admin, validators, THRESHOLD,
                         network=Network.TESTNET, admin_multisig=holder)  # fmt: skip
    multisig = eth_env.deployment.controller  # any contract stands in for the operators' Safe
    with pytest.raises(DeployError, match="too short"):
        deploy_contracts(eth_env.client, eth_env.admin, validators, THRESHOLD,
                         network=Network.TESTNET, admin_multisig=multisig,
                         timelock_delay_s=60)  # fmt: skip

    deployment = deploy_contracts(eth_env.client, eth_env.admin, validators, THRESHOLD,
                                  network=Network.TESTNET, admin_multisig=multisig,
                                  timelock_delay_s=2 * DAY_S)  # fmt: skip

    timelock = deployment.admin
    deployer = eth_address_of(eth_env.admin.public_key)
    assert is_contract_code(eth_env.client.code_at(timelock))
    token = type(eth_env.token)(eth_env.client, deployment.token)
    assert token.has_role(DEFAULT_ADMIN_ROLE, timelock)
    assert token.has_role(PAUSER_ROLE, multisig)
    assert not token.has_role(DEFAULT_ADMIN_ROLE, deployer)
    assert not token.has_role(PAUSER_ROLE, deployer)
    expected = RoleExpectation(timelock, deployment.controller, admin_must_be_contract=True)
    assert RoleWatch(eth_env.client, token, deployment.deploy_block, expected).problems() == []
    lock = eth_env.client.contract(timelock, load_artifact(ADMIN_TIMELOCK).abi).functions
    assert lock.getMinDelay().call() == 2 * DAY_S
    for role in ("PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"):
        role_id = getattr(lock, role)().call()
        assert lock.hasRole(role_id, multisig).call()
        assert not lock.hasRole(role_id, deployer).call()
    assert not lock.hasRole(bytes(32), deployer).call()  # the timelock administers itself


def test_a_delegated_eoa_is_not_a_contract() -> None:
    assert not is_contract_code(bytes.fromhex("ef0100") + bytes(20))  # EIP-7702 delegation
    assert not is_contract_code(b"")
    assert is_contract_code(bytes.fromhex("6080604052"))
