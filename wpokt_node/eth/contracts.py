"""Typed read access to the deployed WrappedPocket token and MintController."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.eth.artifacts import controller_abi, token_abi
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.eip712 import MintData

DEFAULT_ADMIN_ROLE = bytes(32)
MINTER_ROLE = keccak(text="MINTER_ROLE")
PAUSER_ROLE = keccak(text="PAUSER_ROLE")


FEE_BASIS_POINTS = 10_000  # the token's BASIS_POINTS: fee = amount * feeBasis / 10 000


@dataclass(frozen=True, slots=True)
class MintFee:
    """The token's mint fee (pokt-network/wpokt ``src/WrappedPocket.sol``, ``setFee``): while
    ``on``, a mint of ``amount`` pays ``amount * basis // 10 000`` to the collector and mints the
    rest to the recipient (``Minted`` carries that net amount); an amount that is not a
    multiple of 10 000 reverts (``FeeBasisDust``)."""

    on: bool
    basis: int
    collector: str

    def dusty(self, amount: int) -> bool:
        return self.on and amount % FEE_BASIS_POINTS != 0

    def net(self, amount: int) -> int:
        return amount - amount * self.basis // FEE_BASIS_POINTS if self.on else amount


def _hexdata(encoded: str) -> bytes:
    return bytes.fromhex(encoded.removeprefix("0x"))


class TokenContract:
    def __init__(self, client: EthClient, address: str) -> None:
        self.client = client
        self.address = str(to_checksum_address(address))
        self.contract = client.contract(self.address, token_abi())

    def _read(self, name: str, *args: Any) -> Any:
        fn = getattr(self.contract.functions, name)
        return self.client.call(f"token.{name}", lambda: fn(*args).call())

    def get_user_nonce(self, user: str) -> int:
        return int(self._read("getUserNonce", to_checksum_address(user)))

    def balance_of(self, account: str) -> int:
        return int(self._read("balanceOf", to_checksum_address(account)))

    def total_supply(self) -> int:
        return int(self._read("totalSupply"))

    def paused(self) -> bool:
        return bool(self._read("paused"))

    def decimals(self) -> int:
        return int(self._read("decimals"))

    def mint_fee(self) -> MintFee:
        return MintFee(
            on=bool(self._read("feeFlag")),
            basis=int(self._read("feeBasis")),
            collector=str(to_checksum_address(self._read("feeCollector"))),
        )

    def has_role(self, role: bytes, account: str) -> bool:
        return bool(self._read("hasRole", role, to_checksum_address(account)))

    def encode(self, function: str, *args: Any) -> bytes:
        return _hexdata(self.contract.encode_abi(function, args=list(args)))


@dataclass(frozen=True, slots=True)
class MintLimit:
    current: int
    maximum: int
    per_second: int


@dataclass(frozen=True, slots=True)
class ValidatorState:
    """What the controller says about a set of candidate addresses."""

    count: int
    threshold: int
    membership: dict[str, bool]

    @property
    def members(self) -> list[str]:
        return sorted(a for a, is_member in self.membership.items() if is_member)


class ControllerContract:
    def __init__(self, client: EthClient, address: str) -> None:
        self.client = client
        self.address = str(to_checksum_address(address))
        self.contract = client.contract(self.address, controller_abi())

    def _read(self, name: str, *args: Any) -> Any:
        fn = getattr(self.contract.functions, name)
        return self.client.call(f"controller.{name}", lambda: fn(*args).call())

    def token_address(self) -> str:
        return str(to_checksum_address(self._read("wPokt")))

    def validator_count(self) -> int:
        return int(self._read("validatorCount"))

    def signer_threshold(self) -> int:
        return int(self._read("signerThreshold"))

    def is_validator(self, address: str) -> bool:
        return bool(self._read("validators", to_checksum_address(address)))

    def validator_state(self, candidates: Sequence[str]) -> ValidatorState:
        """Membership of each candidate plus count and threshold (the contract cannot list)."""
        membership = {
            str(to_checksum_address(a)): self.is_validator(a) for a in dict.fromkeys(candidates)
        }
        return ValidatorState(self.validator_count(), self.signer_threshold(), membership)

    def mint_limit(self) -> MintLimit:
        return MintLimit(
            current=int(self._read("currentMintLimit")),
            maximum=int(self._read("maxMintLimit")),
            per_second=int(self._read("mintPerSecond")),
        )

    def hash_mint_data(self, data: MintData) -> bytes:
        return bytes(self._read("hashMintData", data.as_tuple()))

    def eip712_domain(self) -> tuple[str, str, int, str]:
        """(name, version, chainId, verifyingContract) as the contract reports them (ERC-5267)."""
        _fields, name, version, chain_id, verifying, _salt, _ext = self._read("eip712Domain")
        return str(name), str(version), int(chain_id), str(to_checksum_address(verifying))

    def encode_mint(self, data: MintData, signatures: Sequence[bytes]) -> bytes:
        return self.encode("mintWrappedPocket", data.as_tuple(), [bytes(s) for s in signatures])

    def encode(self, function: str, *args: Any) -> bytes:
        return _hexdata(self.contract.encode_abi(function, args=list(args)))
