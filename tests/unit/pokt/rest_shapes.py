"""``tx_response`` JSON as a Pocket Shannon node (cosmos-sdk v0.53) returns it from
``GET /cosmos/tx/v1beta1/txs/{hash}``: 64-bit integers as strings, ``Any`` inline with
``@type``, the ante handler's fee events first, then per message a baseapp ``message`` event
and the handler's events, each carrying ``msg_index`` (and ``authz_msg_index`` inside an authz
``MsgExec``, x/authz/keeper/keeper.go ``DispatchActions``). Bank events as
x/bank/keeper/send.go emits them: ``SendCoins`` -> coin_spent, coin_received,
transfer {recipient, sender, amount}, message {sender}; ``InputOutputCoins`` -> a transfer per
output without ``sender``."""

from __future__ import annotations

import hashlib
from typing import Any

from wpokt_node.addresses import address_from_bytes

FEE_COLLECTOR = address_from_bytes(hashlib.sha256(b"fee_collector").digest()[:20])
Event = dict[str, Any]


def event(kind: str, *attributes: tuple[str, str]) -> Event:
    return {
        "type": kind,
        "attributes": [{"key": k, "value": v, "index": True} for k, v in attributes],
    }


def _indexed(events: list[Event], *extra: tuple[str, str]) -> list[Event]:
    added = [{"key": k, "value": v, "index": True} for k, v in extra]
    return [{**e, "attributes": [*e["attributes"], *added]} for e in events]


def fee_events(payer: str, fee: str = "10000upokt", sequence: int = 7) -> list[Event]:
    """The ante handler's events: the fee moved to the fee collector, ``tx`` fee/acc_seq."""
    return [
        *send_coins(payer, FEE_COLLECTOR, fee),
        event("tx", ("fee", fee), ("fee_payer", payer)),
        event("tx", ("acc_seq", f"{payer}/{sequence}")),
        event("tx", ("signature", "c2lnbmF0dXJl")),
    ]


def send_coins(sender: str, recipient: str, amount: str) -> list[Event]:
    """What the bank's ``SendCoins`` emits."""
    return [
        event("coin_spent", ("spender", sender), ("amount", amount)),
        event("coin_received", ("receiver", recipient), ("amount", amount)),
        event("transfer", ("recipient", recipient), ("sender", sender), ("amount", amount)),
        event("message", ("sender", sender)),
    ]


def multisend_output(recipient: str, amount: str) -> list[Event]:
    """What ``InputOutputCoins`` emits per output (no ``sender``)."""
    return [
        event("coin_received", ("receiver", recipient), ("amount", amount)),
        event("transfer", ("recipient", recipient), ("amount", amount)),
    ]


def message_events(
    index: int, action: str, signer: str, module: str, handler: list[Event]
) -> list[Event]:
    """baseapp's ``message`` event for message ``index``, then its handler's events."""
    head = event("message", ("action", action), ("sender", signer), ("module", module))
    return _indexed([head, *handler], ("msg_index", str(index)))


def in_authz(events: list[Event], inner_index: int = 0) -> list[Event]:
    """An inner message's events as ``DispatchActions`` re-emits them."""
    return _indexed(events, ("authz_msg_index", str(inner_index)))


def msg_send(sender: str, recipient: str, *coins: tuple[str, str]) -> dict[str, Any]:
    return {
        "@type": "/cosmos.bank.v1beta1.MsgSend",
        "from_address": sender,
        "to_address": recipient,
        "amount": [{"denom": d, "amount": a} for d, a in coins],
    }


def msg_exec(grantee: str, *msgs: dict[str, Any]) -> dict[str, Any]:
    return {"@type": "/cosmos.authz.v1beta1.MsgExec", "grantee": grantee, "msgs": list(msgs)}


def tx_response(
    messages: list[dict[str, Any]],
    events: list[Event],
    *,
    memo: str,
    signer: str,
    txhash: str,
    height: int = 120,
    code: int = 0,
) -> dict[str, Any]:
    return {
        "height": str(height),
        "txhash": txhash,
        "codespace": "" if code == 0 else "sdk",
        "code": code,
        "data": "",
        "raw_log": "",
        "logs": [],
        "info": "",
        "gas_wanted": "200000",
        "gas_used": "93512",
        "tx": {
            "@type": "/cosmos.tx.v1beta1.Tx",
            "body": {
                "messages": messages,
                "memo": memo,
                "timeout_height": "0",
                "unordered": False,
                "timeout_timestamp": None,
                "extension_options": [],
                "non_critical_extension_options": [],
            },
            "auth_info": {
                "signer_infos": [
                    {
                        "public_key": {
                            "@type": "/cosmos.crypto.secp256k1.PubKey",
                            "key": "A0k7QHqf0/N1k8n3vGUu0j1VjEjuR7vf0cM0Q7JfKJx1",
                        },
                        "mode_info": {"single": {"mode": "SIGN_MODE_DIRECT"}},
                        "sequence": "7",
                    }
                ],
                "fee": {
                    "amount": [{"denom": "upokt", "amount": "10000"}],
                    "gas_limit": "200000",
                    "payer": "",
                    "granter": "",
                },
                "tip": None,
            },
            "signatures": ["c2lnbmF0dXJl"],
        },
        "timestamp": "2026-03-01T10:00:00Z",
        "events": [*fee_events(signer), *events] if code == 0 else fee_events(signer),
    }
