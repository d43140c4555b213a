"""Startup checks: the Ethereum RPC and contracts are the ones the configuration names."""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.address import to_checksum_address

from wpokt_node.config import EthereumSettings
from wpokt_node.errors import StartupCheckError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract, ValidatorState
from wpokt_node.eth.eip712 import DOMAIN_NAME, DOMAIN_VERSION


def check_chain_id(client: EthClient, expected: int) -> None:
    actual = client.chain_id()
    if actual != expected:
        raise StartupCheckError(
            f"ethereum chain id mismatch: configured {expected}, but the RPC at "
            f"{client.endpoint} reports {actual}"
        )


def _require_code(client: EthClient, address: str, what: str) -> None:
    if not client.code_at(address):
        raise StartupCheckError(
            f"no contract code at the configured {what} {address} on chain {client.chain_id()} "
            f"({client.endpoint})"
        )


def check_contracts(
    client: EthClient, token_address: str, controller_address: str, chain_id: int
) -> None:
    """Both contracts exist, the controller mints this token, and its EIP-712 domain is ours."""
    token = str(to_checksum_address(token_address))
    controller_address = str(to_checksum_address(controller_address))
    _require_code(client, token, "token_address")
    _require_code(client, controller_address, "mint_controller_address")
    controller = ControllerContract(client, controller_address)
    try:
        actual_token = controller.token_address()
    except Exception as exc:
        raise StartupCheckError(
            f"mint_controller_address {controller_address} does not answer wPokt(): is it a "
            f"MintController? ({type(exc).__name__})"
        ) from None
    if actual_token != token:
        raise StartupCheckError(
            f"mint controller token mismatch: configured token_address {token}, but the "
            f"controller at {controller_address} mints {actual_token}"
        )
    expected_domain = (DOMAIN_NAME, DOMAIN_VERSION, chain_id, controller_address)
    try:
        domain = controller.eip712_domain()
    except Exception:
        return  # the deployed mainnet controller may predate ERC-5267; nothing to compare
    if domain != expected_domain:
        raise StartupCheckError(
            f"mint controller EIP-712 domain mismatch: expected {expected_domain}, "
            f"contract reports {domain}"
        )


def read_validator_state(
    client: EthClient, controller_address: str, candidates: Sequence[str]
) -> ValidatorState:
    return ControllerContract(client, controller_address).validator_state(candidates)


def check_validator_set(state: ValidatorState, expected: Sequence[str], threshold: int) -> None:
    """The controller's validators are exactly ``expected`` and its threshold is ``threshold``."""
    wanted = {str(to_checksum_address(a)) for a in expected}
    missing = sorted(a for a in wanted if not state.membership.get(a, False))
    problems = []
    if missing:
        problems.append(f"not validators on the controller: {', '.join(missing)}")
    if state.count != len(wanted):
        problems.append(
            f"controller has {state.count} validators, configuration lists {len(wanted)}"
        )
    if state.threshold != threshold:
        problems.append(
            f"controller signer threshold is {state.threshold}, configured threshold {threshold}"
        )
    if problems:
        raise StartupCheckError("mint controller validator set mismatch: " + "; ".join(problems))


def run_ethereum_startup_checks(
    client: EthClient,
    settings: EthereumSettings,
    validators: Sequence[str] | None = None,
    threshold: int | None = None,
) -> ValidatorState | None:
    """Chain id, contracts, and (when given) the validator set and threshold."""
    check_chain_id(client, settings.chain_id)
    check_contracts(
        client, settings.token_address, settings.mint_controller_address, settings.chain_id
    )
    if validators is None:
        return None
    state = read_validator_state(client, settings.mint_controller_address, validators)
    check_validator_set(state, validators, threshold if threshold is not None else state.threshold)
    return state
