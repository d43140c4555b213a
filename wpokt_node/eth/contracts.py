"""Typed read access to the deployed WrappedPocket token and MintController."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import collapse_if_tuple
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.eth.artifacts import controller_abi, token_abi
from wpokt_node.eth.client import EthClient, RpcError
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


class ViewCalls:
    """``eth_call`` of a contract's view functions, encoded and decoded with ``eth_abi`` from
    selectors and types worked out once: a web3 contract call costs about 10 ms of CPU in its
    middleware, and the watches read the contracts every interval in every worker."""

    def __init__(self, client: EthClient, address: str, abi: Sequence[dict[str, Any]]) -> None:
        self.client, self.address = client, address
        self._functions: dict[str, tuple[bytes, list[str], list[str]]] = {}
        for item in abi:
            if item.get("type") == "function":
                inputs = [collapse_if_tuple(i) for i in item.get("inputs", [])]
                outputs = [collapse_if_tuple(o) for o in item.get("outputs", [])]
                selector = keccak(text=f"{item['name']}({','.join(inputs)})")[:4]
                self._functions[str(item["name"])] = (selector, inputs, outputs)

    def read(self, name: str, *args: Any) -> Any:
        """The function's one output, or the tuple of its outputs."""
        selector, inputs, outputs = self._functions[name]
        data = "0x" + (selector + abi_encode(inputs, list(args))).hex()
        raw = self.client.request("eth_call", [{"to": self.address, "data": data}, "latest"])
        if not isinstance(raw, str):
            raise RpcError("eth_call", None, f"{name}: the answer is not hex data: {raw!r}"[:200])
        try:
            values = abi_decode(outputs, _hexdata(raw))
        except (DecodingError, ValueError) as exc:
            raise RpcError("eth_call", None, f"{name}: undecodable answer: {exc}"[:200]) from None
        return values[0] if len(values) == 1 else tuple(values)


class TokenContract:
    def __init__(self, client: EthClient, address: str) -> None:
        self.client = client
        self.address = str(to_checksum_address(address))
        self.contract = client.contract(self.address, token_abi())
        self._read = ViewCalls(client, self.address, token_abi()).read

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
        self._read = ViewCalls(client, self.address, controller_abi()).read

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
