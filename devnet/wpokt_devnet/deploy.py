"""Deploy WrappedPocket + MintController and configure roles, validators and threshold.

Two contract profiles: ``project`` (the node's own contracts, strict) and ``production``
(``ProductionWrappedPocket`` / ``ProductionMintController``: the deployed wPOKT contracts'
behaviour, for rehearsing against what runs on mainnet; docs/ethereum.md lists the
differences)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address

from wpokt_node.errors import ChainError
from wpokt_node.eth.artifacts import (
    MINT_CONTROLLER,
    PRODUCTION_MINT_CONTROLLER,
    PRODUCTION_WRAPPED_POCKET,
    WRAPPED_POCKET,
    load_artifact,
)
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import MINTER_ROLE, PAUSER_ROLE, ControllerContract, TokenContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import Secp256k1Signer

DEPLOY_GAS = 5_000_000
ADMIN_CALL_GAS = 200_000
DEFAULT_MAX_MINT_LIMIT = 1_000_000 * 10**6  # 1M wPOKT (6 decimals)
DEFAULT_MINT_PER_SECOND = 100 * 10**6
PROJECT, PRODUCTION = "project", "production"
PROFILES = (PROJECT, PRODUCTION)


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
) -> Deployment:
    """Deploy both contracts from ``admin`` (who gets DEFAULT_ADMIN and PAUSER roles). The
    production profile keeps the deployed controller's own rate-limit constants."""
    if profile not in PROFILES:
        raise ValueError(f"contract profile must be one of {PROFILES}, not {profile!r}")
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
    return Deployment(
        chain_id=chain_id,
        token=token_address,
        controller=controller_address,
        admin=sender.address,
        validators=tuple(checksummed),
        threshold=threshold,
        deploy_block=first_block,
        profile=profile,
    )


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
