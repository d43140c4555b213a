"""Turn revert data into a readable reason: Error(string), Panic(uint256) or a custom error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.eth.artifacts import controller_abi, token_abi

_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


def _custom_errors(abis: Iterable[list[dict[str, Any]]]) -> dict[bytes, tuple[str, list[str]]]:
    errors: dict[bytes, tuple[str, list[str]]] = {}
    for abi in abis:
        for item in abi:
            if item.get("type") != "error":
                continue
            types = [str(arg["type"]) for arg in item.get("inputs", [])]
            signature = f"{item['name']}({','.join(types)})"
            errors[keccak(text=signature)[:4]] = (str(item["name"]), types)
    return errors


def _format_arg(value: object, abi_type: str) -> str:
    if abi_type == "address" and isinstance(value, str):
        return str(to_checksum_address(value))
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def decode_revert(data: bytes | str | None) -> str:
    """A one-line reason for revert ``data`` (hex or bytes) from our contracts."""
    if data is None:
        return "reverted without data"
    raw = (
        bytes.fromhex(data[2:] if data.startswith("0x") else data)
        if isinstance(data, str)
        else data
    )
    if len(raw) < 4:
        return "reverted without a reason" if not raw else f"reverted with data 0x{raw.hex()}"
    selector, payload = raw[:4], raw[4:]
    try:
        if selector == _ERROR_STRING:
            return str(abi_decode(["string"], payload)[0])
        if selector == _PANIC:
            return f"Panic({abi_decode(['uint256'], payload)[0]:#x})"
        known = _custom_errors((controller_abi(), token_abi())).get(selector)
        if known is not None:
            name, types = known
            args = abi_decode(types, payload) if types else ()
            return (
                f"{name}({', '.join(_format_arg(a, t) for a, t in zip(args, types, strict=True))})"
            )
    except Exception:  # noqa: S110 - malformed payload: fall through to the raw form
        pass
    return f"reverted with data 0x{raw.hex()}"
