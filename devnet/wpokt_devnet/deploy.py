"""Deploy WrappedPocket + MintController and configure roles, validators and threshold.

Two contract profiles: ``project`` (the node's own contracts, strict) and ``production``
(``ProductionWrappedPocket`` / ``ProductionMintController``: the deployed wPOKT contracts'
behaviour, for rehearsing against what runs on mainnet; docs/ethereum.md lists the
differences).

Outside devnet the deployer never keeps the admin role: ``deploy_contracts`` refuses to run
without a multisig, and ``hand_admin_to_timelock`` moves the token's DEFAULT_ADMIN_ROLE to an
``AdminTimelock`` that only that multisig drives, the PAUSER_ROLE to the multisig itself (a
pause must not wait), and renounces both for the deployer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address

from wpokt_node.config import Network
from wpokt_node.errors import ChainError, WpoktError
from wpokt_node.eth.artifacts import (
    ADMIN_TIMELOCK,
    MINT_CONTROLLER,
    PRODUCTION_MINT_CONTROLLER,
    PRODUCTION_WRAPPED_POCKET,
    WRAPPED_POCKET,
    load_artifact,
)
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import (
    DEFAULT_ADMIN_ROLE,
    MINTER_ROLE,
    PAUSER_ROLE,
    ControllerContract,
    TokenContract,
)
from wpokt_node.eth.roles import RoleExpectation, RoleWatch, is_contract_code
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import Secp256k1Signer

DEPLOY_GAS = 5_000_000
ADMIN_CALL_GAS = 200_000
DEFAULT_MAX_MINT_LIMIT = 1_000_000 * 10**6  # 1M wPOKT (6 decimals)
DEFAULT_MINT_PER_SECOND = 100 * 10**6
PROJECT, PRODUCTION = "project", "production"
PROFILES = (PROJECT, PRODUCTION)
MIN_TIMELOCK_DELAY_S = 86_400  # outside devnet: a governance change is visible a day ahead


class DeployError(WpoktError):
    """A deployment that would leave the contracts unsafely administered."""


@dataclass(frozen=True, slots=True)
class Deployment:
    chain_id: int
    token: str
    controller: str
    admin: str
    validators: tuple[str, ...]
    threshold: int
    deploy_block: int
    profile: str = PROJECT


def deploy_contract(
    sender: TransactionSender, name: str, constructor_types: list[str], args: list[object]
) -> tuple[str, int]:
    artifact = load_artifact(name)
    code = bytes.fromhex(artifact.bytecode.removeprefix("0x")) + abi_encode(constructor_types, args)
    signed = sender.sign(None, code, DEPLOY_GAS)
    sender.broadcast(signed)
    receipt = sender.check_receipt(sender.wait_for_receipt(signed.tx_hash), f"deploy {name}")
    raw = sender.client.request("eth_getTransactionReceipt", [signed.tx_hash])
    address = raw.get("contractAddress") if isinstance(raw, dict) else None
    if not address:
        raise ChainError(f"deploying {name} produced no contract address")
    return str(to_checksum_address(address)), receipt.block_number


def deploy_contracts(
    client: EthClient,
    admin: Secp256k1Signer,
    validators: Sequence[str],
    threshold: int,
    *,
    max_mint_limit: int = DEFAULT_MAX_MINT_LIMIT,
    mint_per_second: int = DEFAULT_MINT_PER_SECOND,
    profile: str = PROJECT,
    network: Network = Network.DEVNET,
    admin_multisig: str | None = None,
    timelock_delay_s: int = MIN_TIMELOCK_DELAY_S,
) -> Deployment:
    """Deploy both contracts from ``admin`` (who gets DEFAULT_ADMIN and PAUSER roles). The
    production profile keeps the deployed controller's own rate-limit constants. With
    ``admin_multisig`` (required outside devnet) the roles then move to it behind a timelock
    and the returned ``admin`` is the timelock."""
    if profile not in PROFILES:
        raise ValueError(f"contract profile must be one of {PROFILES}, not {profile!r}")
    if network is not Network.DEVNET and admin_multisig is None:
        raise DeployError(
            f"on {network} the contracts' admin must be a multisig behind a timelock, never the "
            "deploying key: give the operators' multisig (a contract)"
        )
    if admin_multisig is not None:
        _check_hand_over(client, network, admin_multisig, timelock_delay_s)
    chain_id = client.chain_id()
    sender = TransactionSender(client, admin, chain_id)
    if profile == PRODUCTION:
        token_address, first_block = deploy_contract(sender, PRODUCTION_WRAPPED_POCKET, [], [])
        controller_address, _ = deploy_contract(
            sender, PRODUCTION_MINT_CONTROLLER, ["address"], [token_address]
        )
    else:
        token_address, first_block = deploy_contract(
            sender, WRAPPED_POCKET, ["address"], [sender.address]
        )
        controller_address, _ = deploy_contract(
            sender,
            MINT_CONTROLLER,
            ["address", "uint256", "uint256"],
            [token_address, max_mint_limit, mint_per_second],
        )
    token = TokenContract(client, token_address)
    controller = ControllerContract(client, controller_address)
    calls: list[tuple[str, bytes]] = [
        (token_address, token.encode("grantRole", MINTER_ROLE, controller_address)),
        (token_address, token.encode("grantRole", PAUSER_ROLE, sender.address)),
    ]
    checksummed = [str(to_checksum_address(v)) for v in validators]
    calls += [(controller_address, controller.encode("addValidator", v)) for v in checksummed]
    calls.append((controller_address, controller.encode("setSignerThreshold", threshold)))
    admin_calls(sender, calls)
    final_admin = sender.address
    if admin_multisig is not None:
        final_admin = hand_admin_to_timelock(
            sender,
            token,
            controller_address,
            admin_multisig,
            delay_s=timelock_delay_s,
            network=network,
            token_block=first_block,
        )
    return Deployment(
        chain_id=chain_id,
        token=token_address,
        controller=controller_address,
        admin=final_admin,
        validators=tuple(checksummed),
        threshold=threshold,
        deploy_block=first_block,
        profile=profile,
    )


def _check_hand_over(client: EthClient, network: Network, multisig: str, delay_s: int) -> None:
    if not is_contract_code(client.code_at(multisig)):
        raise DeployError(
            f"the admin multisig {multisig} has no contract code on chain {client.chain_id()}: an "
            "EOA (one key) cannot hold the admin role; deploy the operators' multisig first"
        )
    if network is not Network.DEVNET and delay_s < MIN_TIMELOCK_DELAY_S:
        raise DeployError(
            f"a timelock delay of {delay_s} s is too short on {network}: at least "
            f"{MIN_TIMELOCK_DELAY_S} s, so that every operator sees a change before it applies"
        )


def hand_admin_to_timelock(
    sender: TransactionSender,
    token: TokenContract,
    controller: str,
    multisig: str,
    *,
    delay_s: int,
    network: Network,
    token_block: int,
) -> str:
    """Deploy an ``AdminTimelock`` driven by ``multisig``, give it the token's admin role and the
    multisig the pauser role, renounce both for the deployer; check the result on chain and
    return the timelock's address."""
    _check_hand_over(sender.client, network, multisig, delay_s)
    multisig = str(to_checksum_address(multisig))
    timelock, _ = deploy_contract(
        sender, ADMIN_TIMELOCK, ["uint256", "address"], [delay_s, multisig]
    )
    me = sender.address
    admin_calls(
        sender,
        [
            (token.address, token.encode("grantRole", DEFAULT_ADMIN_ROLE, timelock)),
            (token.address, token.encode("grantRole", PAUSER_ROLE, multisig)),
        ],
    )
    expected = RoleExpectation(admin=timelock, controller=controller, admin_must_be_contract=True)
    watch = RoleWatch(sender.client, token, token_block, expected)
    minters = [p for p in watch.problems() if p.startswith("MINTER_ROLE")]
    if minters or not token.has_role(DEFAULT_ADMIN_ROLE, timelock):
        raise DeployError(f"not renouncing: the timelock is not the admin yet, or {minters}")
    if not token.has_role(PAUSER_ROLE, multisig):
        raise DeployError("not renouncing: the multisig did not get the pauser role")
    admin_calls(
        sender,
        [
            (token.address, token.encode("renounceRole", PAUSER_ROLE, me)),
            (token.address, token.encode("renounceRole", DEFAULT_ADMIN_ROLE, me)),
        ],
    )
    problems = watch.problems()
    if problems or token.has_role(PAUSER_ROLE, me):
        raise DeployError(f"the admin hand-over did not take: {'; '.join(problems)}")
    return timelock


def admin_calls(sender: TransactionSender, calls: Sequence[tuple[str, bytes]]) -> None:
    """Send the admin's calls (all at once) and check every receipt."""
    signed = []
    for to, data in calls:
        tx = sender.sign(to, data, ADMIN_CALL_GAS)
        sender.broadcast(tx)
        signed.append(tx)
    for tx in signed:
        sender.check_receipt(sender.wait_for_receipt(tx.tx_hash), "admin call")


def set_mint_fee(
    client: EthClient, admin: Secp256k1Signer, token_address: str, basis: int, collector: str
) -> None:
    """Turn the token's mint fee on (``basis`` > 0) or off (0), as its admin."""
    sender = TransactionSender(client, admin, client.chain_id())
    token = TokenContract(client, token_address)
    fee = token.encode("setFee", basis > 0, basis, str(to_checksum_address(collector)))
    admin_calls(sender, [(token.address, fee)])
