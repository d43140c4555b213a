"""The wPOKT contracts on anvil: threshold signatures, rate limit, pause, burn rules."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from tests.fixtures.anvil import CHAIN_ID, THRESHOLD, EthEnv, validator_signers
from wpokt_devnet.deploy import deploy_contract
from wpokt_node.eth.artifacts import MINT_CONTROLLER, WRAPPED_POCKET
from wpokt_node.eth.contracts import PAUSER_ROLE
from wpokt_node.eth.eip712 import MintData, sign_mint_data
from wpokt_node.eth.transactions import TransactionRevertedError
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of

pytestmark = pytest.mark.eth

RECIPIENT = "0x00000000000000000000000000000000000000A1"
ZERO_ADDRESS = "0x" + "00" * 20


def _submit(env: EthEnv, data: MintData, signatures: list[bytes]) -> None:
    call = env.controller.encode_mint(data, signatures)
    env.sender(env.gas_key).simulate(env.controller.address, call, 600_000, "mintWrappedPocket")
    env.sender(env.gas_key).send(env.controller.address, call, 600_000, "mintWrappedPocket")


def _rejected(env: EthEnv, data: MintData, signatures: list[bytes]) -> str:
    with pytest.raises(TransactionRevertedError) as info:
        _submit(env, data, signatures)
    assert env.token.balance_of(data.recipient) == 0
    return info.value.reason


def test_nine_of_twelve_sorted_signatures_mint(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 5_000_000, 1)
    _submit(eth_env, data, eth_env.signatures(data, eth_env.validators[3:12]))
    assert eth_env.token.balance_of(RECIPIENT) == 5_000_000
    assert eth_env.token.get_user_nonce(RECIPIENT) == 1
    assert eth_env.token.decimals() == 6


def test_eight_signatures_are_rejected(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 1, 1)
    reason = _rejected(eth_env, data, eth_env.signatures(data, eth_env.validators[:8]))
    assert reason == f"NotEnoughSignatures(8, {THRESHOLD})"


def test_duplicate_signature_is_rejected(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 1, 1)
    sigs = eth_env.signatures(data, eth_env.validators[:8])
    sigs.insert(1, sigs[0])
    assert _rejected(eth_env, data, sigs).startswith("DuplicateSigner(")


def test_unsorted_signatures_are_rejected(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 1, 1)
    sigs = eth_env.signatures(data, eth_env.validators[:9])
    sigs[0], sigs[1] = sigs[1], sigs[0]
    assert _rejected(eth_env, data, sigs).startswith("UnsortedSigners(")


def test_non_validator_signature_is_rejected(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 1, 1)
    outsider = LocalKeySigner(keccak(text="not a validator"))
    sigs = eth_env.signatures(data, [*eth_env.validators[:8], outsider])
    reason = _rejected(eth_env, data, sigs)
    assert reason == f"NonValidatorSigner({eth_address_of(outsider.public_key)})"


def test_wrong_nonce_is_rejected(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 1, 2)
    reason = _rejected(eth_env, data, eth_env.signatures(data, eth_env.validators[:9]))
    assert reason == f"UserNonce({RECIPIENT}, 2)"


@pytest.mark.parametrize("domain", ["chain", "contract"])
def test_signatures_for_another_domain_are_rejected(eth_env: EthEnv, domain: str) -> None:
    data = MintData(RECIPIENT, 1, 1)
    if domain == "chain":
        sigs = eth_env.signatures(data, eth_env.validators[:9], chain_id=CHAIN_ID + 1)
    else:
        sigs = eth_env.signatures(data, eth_env.validators[:9], contract=eth_env.token.address)
    assert _rejected(eth_env, data, sigs).startswith("NonValidatorSigner(")


def test_replayed_mint_is_rejected(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 7, 1)
    sigs = eth_env.signatures(data, eth_env.validators[:9])
    _submit(eth_env, data, sigs)
    with pytest.raises(TransactionRevertedError, match=r"UserNonce"):
        _submit(eth_env, data, sigs)
    assert eth_env.token.balance_of(RECIPIENT) == 7


def test_digest_matches_contract_and_eth_account(eth_env: EthEnv) -> None:
    data = MintData(RECIPIENT, 123_456_789, 42)
    ours = eth_env.digest(data)
    assert eth_env.controller.hash_mint_data(data) == ours
    typed = encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "MintData": [
                    {"name": "recipient", "type": "address"},
                    {"name": "amount", "type": "uint256"},
                    {"name": "nonce", "type": "uint256"},
                ],
            },
            "primaryType": "MintData",
            "domain": {
                "name": "MintController",
                "version": "1",
                "chainId": CHAIN_ID,
                "verifyingContract": eth_env.controller.address,
            },
            "message": {"recipient": RECIPIENT, "amount": 123_456_789, "nonce": 42},
        }
    )
    signer = eth_env.validators[0]
    signature = sign_mint_data(
        signer, CHAIN_ID, eth_env.controller.address, RECIPIENT, 123_456_789, 42
    )
    assert Account.recover_message(typed, signature=signature) == eth_address_of(signer.public_key)
    assert eth_env.controller.eip712_domain() == (
        "MintController",
        "1",
        CHAIN_ID,
        eth_env.controller.address,
    )


def test_rate_limit_is_enforced_and_refills(eth_env: EthEnv) -> None:
    limit = eth_env.controller.mint_limit()
    assert limit.current == limit.maximum
    data = MintData(RECIPIENT, limit.maximum + 1, 1)
    assert _rejected(eth_env, data, eth_env.signatures(data, eth_env.validators[:9])) == (
        "OverMintLimit()"
    )
    data = MintData(RECIPIENT, limit.maximum, 1)
    _submit(eth_env, data, eth_env.signatures(data, eth_env.validators[:9]))
    assert eth_env.controller.mint_limit().current == 0
    data = MintData(RECIPIENT, limit.per_second * 10, 2)
    sigs = eth_env.signatures(data, eth_env.validators[:9])
    with pytest.raises(TransactionRevertedError, match=r"OverMintLimit"):
        _submit(eth_env, data, sigs)
    eth_env.anvil.rpc("evm_increaseTime", 10)
    eth_env.anvil.mine()
    assert eth_env.controller.mint_limit().current >= limit.per_second * 10
    _submit(eth_env, data, sigs)
    assert eth_env.token.balance_of(RECIPIENT) == limit.maximum + limit.per_second * 10


def test_pause_blocks_mints_transfers_and_burns(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 1_000)
    admin = eth_env.sender(eth_env.admin)
    assert eth_env.token.has_role(PAUSER_ROLE, admin.address)
    admin.send(eth_env.token.address, eth_env.token.encode("pause"), 100_000, "pause")
    assert eth_env.token.paused()
    with pytest.raises(TransactionRevertedError, match=r"EnforcedPause"):
        eth_env.mint(eth_env.holder_address, 1)
    with pytest.raises(TransactionRevertedError, match=r"EnforcedPause"):
        eth_env.burn(10, bytes(range(20)))
    transfer = eth_env.token.encode("transfer", RECIPIENT, 10)
    with pytest.raises(TransactionRevertedError, match=r"EnforcedPause"):
        eth_env.sender(eth_env.holder).send(eth_env.token.address, transfer, 100_000, "transfer")
    admin.send(eth_env.token.address, eth_env.token.encode("unpause"), 100_000, "unpause")
    eth_env.burn(10, bytes(range(20)))
    assert eth_env.token.balance_of(eth_env.holder_address) == 990


def test_plain_burn_is_disabled_and_mint_needs_minter_role(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 1_000)
    holder = eth_env.sender(eth_env.holder)
    with pytest.raises(TransactionRevertedError, match=r"BlockBurn"):
        holder.send(eth_env.token.address, eth_env.token.encode("burn", 1), 100_000, "burn")
    direct = eth_env.token.encode("mint", eth_env.holder_address, 1, 2)
    with pytest.raises(TransactionRevertedError, match=r"AccessControlUnauthorizedAccount"):
        holder.send(eth_env.token.address, direct, 100_000, "mint")


def test_validator_admin_rules(eth_env: EthEnv) -> None:
    admin = eth_env.sender(eth_env.admin)
    controller = eth_env.controller
    validator = eth_address_of(eth_env.validators[0].public_key)

    def call(function: str, *args: object) -> None:
        admin.send(controller.address, controller.encode(function, *args), 400_000, function)

    with pytest.raises(TransactionRevertedError, match=r"NoMajority\(6, 12\)"):
        call("setSignerThreshold", 6)  # half of 12 is not a majority
    with pytest.raises(TransactionRevertedError, match=r"InvalidSignatureRatio"):
        call("setSignerThreshold", 13)
    call("setSignerThreshold", 12)
    with pytest.raises(TransactionRevertedError, match=r"BelowMinThreshold"):
        call("removeValidator", validator)
    call("setSignerThreshold", 7)
    call("removeValidator", validator)
    assert controller.validator_count() == 11
    assert not controller.is_validator(validator)
    with pytest.raises(TransactionRevertedError, match=r"InvalidAddValidator"):
        call("addValidator", eth_address_of(eth_env.validators[1].public_key))
    outsider = eth_env.sender(eth_env.holder)
    with pytest.raises(TransactionRevertedError, match=r"NonAdmin"):
        outsider.send(
            controller.address, controller.encode("setSignerThreshold", 11), 200_000, "threshold"
        )


def test_adding_validators_never_leaves_the_threshold_below_a_majority(eth_env: EthEnv) -> None:
    # Given 12 validators with threshold 9 (18 > 12)
    admin = eth_env.sender(eth_env.admin)
    controller = eth_env.controller
    newcomers = [eth_address_of(v.public_key) for v in validator_signers(20)[12:]]

    def call(function: str, *args: object) -> None:
        admin.send(controller.address, controller.encode(function, *args), 2_000_000, function)

    # When keys are added one by one, the sixth would leave 9 of 18: refused
    for address in newcomers[:5]:
        call("addValidator", address)
    with pytest.raises(TransactionRevertedError, match=r"NoMajority\(9, 18\)"):
        call("addValidator", newcomers[5])
    assert controller.validator_count() == 17

    # Then an atomic update moves to a new set and threshold in one step, checked as a whole
    with pytest.raises(TransactionRevertedError, match=r"NoMajority\(10, 20\)"):
        call("updateValidators", newcomers[5:], [], 10)
    call("updateValidators", newcomers[5:], [], 11)
    assert (controller.validator_count(), controller.signer_threshold()) == (20, 11)


def test_burns_of_nothing_or_to_the_zero_address_are_refused(eth_env: EthEnv) -> None:
    eth_env.mint(eth_env.holder_address, 1_000)
    with pytest.raises(TransactionRevertedError, match=r"ZeroAmount"):
        eth_env.burn(0, bytes(range(20)))
    with pytest.raises(TransactionRevertedError, match=r"ZeroAddress"):
        eth_env.burn(10, bytes(20))
    assert eth_env.token.balance_of(eth_env.holder_address) == 1_000


def test_zero_admin_and_zero_refill_rate_are_refused(eth_env: EthEnv) -> None:
    deployer = eth_env.sender(eth_env.admin)
    with pytest.raises(TransactionRevertedError, match=r"ZeroAddress"):
        deploy_contract(deployer, WRAPPED_POCKET, ["address"], [ZERO_ADDRESS])
    token = eth_env.token.address
    with pytest.raises(TransactionRevertedError, match=r"InvalidCooldownConfig"):
        deploy_contract(deployer, MINT_CONTROLLER, ["address", "uint256", "uint256"], [token, 1, 0])
    admin = eth_env.sender(eth_env.admin)
    setting = eth_env.controller.encode("setMintCooldown", 1_000, 0)
    with pytest.raises(TransactionRevertedError, match=r"InvalidCooldownConfig"):
        admin.send(eth_env.controller.address, setting, 200_000, "setMintCooldown")
