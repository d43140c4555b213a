"""A mint order: the ``order`` stored on a ``mints`` entry, converted to and from the EIP-712
``MintData`` it commits to, in the domain (chain id, MintController) this node signs in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.address import is_hex_address, to_checksum_address

from wpokt_node.amounts import amount_from_db, amount_to_db
from wpokt_node.errors import ValidationError
from wpokt_node.eth.eip712 import MintData

ORDER_KEYS = frozenset({"recipient", "amount", "nonce", "chain_id", "controller"})


def checksum(value: object, what: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise ValidationError(f"{what} is not an Ethereum address: {str(value)[:60]!r}")
    return str(to_checksum_address(value))


@dataclass(frozen=True, slots=True)
class MintDomain:
    """The EIP-712 domain this node signs in: the chain id and the MintController."""

    chain_id: int
    controller: str

    def order(self, recipient: str, amount: int, nonce: int) -> dict[str, Any]:
        """The stored ``order``: plain values only, so a MongoDB round trip compares equal."""
        return {
            "recipient": checksum(recipient, "recipient"),
            "amount": amount_to_db(amount),
            "nonce": nonce,
            "chain_id": self.chain_id,
            "controller": self.controller,
        }

    def mint_data(self, order: Mapping[str, Any]) -> MintData:
        """The MintData of an order in this domain; raises ValidationError."""
        if set(order) != ORDER_KEYS:
            raise ValidationError(f"a mint order has exactly the keys {sorted(ORDER_KEYS)}")
        if order["chain_id"] != self.chain_id or order["controller"] != self.controller:
            raise ValidationError("the order's chain id or controller is not this node's")
        nonce = order["nonce"]
        if isinstance(nonce, bool) or not isinstance(nonce, int):
            raise ValidationError("the order's nonce is not an integer")
        return MintData(
            checksum(order["recipient"], "recipient"), amount_from_db(order["amount"]), nonce
        )
