"""The value types of the settings: addresses, keys, amounts and seconds, each checked once."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from eth_utils.address import is_hex_address, to_checksum_address
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from wpokt_node.addresses import normalize as normalize_pokt_address
from wpokt_node.amounts import parse_amount
from wpokt_node.errors import ValidationError
from wpokt_node.secret import redact

NODE_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def _eth_address(value: object) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise ValueError("not an Ethereum address (0x followed by 40 hex digits)")
    if value.lower() == "0x" + "0" * 40:
        raise ValueError("the zero address is not allowed")
    return str(to_checksum_address(value))


def _pokt_address(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not a Pocket address")
    try:
        return normalize_pokt_address(value.strip())
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


def _pubkey_hex(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a public key is a hex string")
    cleaned = value.strip().lower().removeprefix("0x")
    if not re.fullmatch(r"0[23][0-9a-f]{64}", cleaned):
        raise ValueError("expected a 33-byte compressed secp256k1 public key in hex (66 digits)")
    return cleaned


def _base_units(value: object) -> int:
    try:
        return parse_amount(value)
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


EthAddress = Annotated[str, BeforeValidator(_eth_address)]
PoktAddress = Annotated[str, BeforeValidator(_pokt_address)]
PubKeyHex = Annotated[str, BeforeValidator(_pubkey_hex)]
BaseUnits = Annotated[int, BeforeValidator(_base_units)]
PositiveSeconds = Annotated[float, Field(gt=0, le=3600)]


def _node_id(value: str) -> str:
    if not NODE_ID_PATTERN.fullmatch(value):
        raise ValueError("node_id must be 1-63 chars of a-z, 0-9, '-', '_' (lower case)")
    return value


NodeId = Annotated[str, AfterValidator(_node_id)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(StrEnum):
    DEVNET = "devnet"
    TESTNET = "testnet"
    MAINNET = "mainnet"


def redact_uri(uri: str) -> str:
    """The URI with its credentials and tokens replaced, safe to log (``secret.redact``)."""
    return redact(uri)
