"""Deposit classification table and the mint/refund entry documents built from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import given, settings
from hypothesis import strategies as st

from wpokt_node.db.schema import MINTS, REFUNDS
from wpokt_node.errors import ValidationError
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.mint.entries import (
    entry_document,
    mint_entry_document,
    refund_entry_document,
)
from wpokt_node.pokt.deposits import (
    MSG_MULTI_SEND,
    MSG_SEND,
    Classification,
    DepositKind,
    DepositRules,
    IgnoreReason,
    classify_deposit,
)
from wpokt_node.pokt.memo import RefundReason

pytestmark = pytest.mark.pokt

VAULT = pokt_address_of(LocalKeySigner(b"\x01" * 32).public_key)
SENDER = pokt_address_of(LocalKeySigner(b"\x02" * 32).public_key)
OTHER = pokt_address_of(LocalKeySigner(b"\x03" * 32).public_key)
ETH = "0xc0ffee254729296a45a3885639AC7E10F9d54979"
TX_HASH = "9F" * 32
RULES = DepositRules(vault_address=VAULT, eth_chain_id=1, max_deposit=10**12, refund_fee=20_000)
GOOD_MEMO = json.dumps({"address": ETH.lower(), "chain_id": "1"})


def _send(amount: str = "5000000", denom: str = "upokt", **fields: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "@type": MSG_SEND,
        "from_address": SENDER,
        "to_address": VAULT,
        "amount": [{"denom": denom, "amount": amount}],
    }
    msg.update(fields)
    return msg


def _tx(*messages: Any, memo: str = GOOD_MEMO, code: int = 0, **fields: Any) -> dict[str, Any]:
    """A ``tx_response`` shaped like the SDK's REST answer (64-bit ints as strings)."""
    response: dict[str, Any] = {
        "height": "120",
        "txhash": TX_HASH,
        "codespace": "",
        "code": code,
        "raw_log": "",
        "tx": {
            "@type": "/cosmos.tx.v1beta1.Tx",
            "body": {"messages": list(messages), "memo": memo, "timeout_height": "0"},
            "auth_info": {},
            "signatures": [],
        },
    }
    response.update(fields)
    return response


def _transfer_event(recipient: str, amount: str) -> dict[str, Any]:
    return {
        "type": "transfer",
        "attributes": [
            {"key": "recipient", "value": recipient, "index": True},
            {"key": "sender", "value": SENDER, "index": True},
            {"key": "amount", "value": amount, "index": True},
        ],
    }


def _verdict(c: Classification) -> tuple[str, str | None]:
    return str(c.kind), None if c.reason is None else str(c.reason)


MINT = ("mint", None)


def _refund(reason: RefundReason) -> tuple[str, str]:
    return ("refund", str(reason))


def _ignore(reason: IgnoreReason) -> tuple[str, str]:
    return ("ignore", str(reason))


def _memo(**fields: object) -> str:
    return json.dumps(fields)


CASES: list[tuple[str, dict[str, Any], tuple[str, str | None]]] = [
    ("valid", _tx(_send()), MINT),
    (
        "valid, upper-case hex",
        _tx(_send(), memo=_memo(address=ETH.upper().replace("0X", "0x"), chain_id="1")),
        MINT,
    ),
    ("bad JSON", _tx(_send(), memo='{"address":'), _refund(RefundReason.MEMO_NOT_JSON)),
    ("empty memo", _tx(_send(), memo=""), _refund(RefundReason.MEMO_NOT_JSON)),
    (
        "zero address",
        _tx(_send(), memo=_memo(address="0x" + "0" * 40, chain_id="1")),
        _refund(RefundReason.MEMO_ZERO_ADDRESS),
    ),
    (
        "wrong chain id",
        _tx(_send(), memo=_memo(address=ETH, chain_id="5")),
        _refund(RefundReason.MEMO_WRONG_CHAIN_ID),
    ),
    (
        "non-hex address",
        _tx(_send(), memo=_memo(address="0x" + "zz" * 20, chain_id="1")),
        _refund(RefundReason.MEMO_BAD_ADDRESS),
    ),
    (
        "unknown memo key",
        _tx(_send(), memo=_memo(address=ETH, chain_id="1", x="y")),
        _refund(RefundReason.MEMO_UNKNOWN_KEYS),
    ),
    (
        "oversize memo",
        _tx(_send(), memo=GOOD_MEMO + " " * 256),
        _refund(RefundReason.MEMO_TOO_LONG),
    ),
    ("two transfers", _tx(_send(), _send("7")), _refund(RefundReason.MULTIPLE_TRANSFERS)),
    (
        "two coins",
        _tx(
            {
                **_send(),
                "amount": [
                    {"denom": "upokt", "amount": "5000000"},
                    {"denom": "uother", "amount": "1"},
                ],
            }
        ),
        _refund(RefundReason.MULTIPLE_COINS),
    ),
    ("over cap", _tx(_send(amount=str(10**12 + 1))), _refund(RefundReason.AMOUNT_OVER_CAP)),
    ("at cap", _tx(_send(amount=str(10**12))), MINT),
    ("failed tx", _tx(_send(), code=5), _ignore(IgnoreReason.TX_FAILED)),
    ("failed tx with bad memo", _tx(_send(), memo="x", code=11), _ignore(IgnoreReason.TX_FAILED)),
    ("other denom", _tx(_send(denom="uother")), _ignore(IgnoreReason.WRONG_DENOM)),
    ("not to the vault", _tx(_send(to_address=OTHER)), _ignore(IgnoreReason.NO_VAULT_TRANSFER)),
    (
        "unknown message only",
        _tx({"@type": "/pocket.supplier.MsgStakeSupplier", "x": 1}),
        _ignore(IgnoreReason.NO_VAULT_TRANSFER),
    ),
    ("unknown message skipped", _tx({"@type": "/pocket.session.MsgWhatever"}, _send()), MINT),
    ("vault to itself", _tx(_send(from_address=VAULT)), _ignore(IgnoreReason.SELF_TRANSFER)),
    ("two senders", _tx(_send(), _send(from_address=OTHER)), _ignore(IgnoreReason.UNREFUNDABLE)),
    (
        "bad memo below refund fee",
        _tx(_send(amount="20000"), memo="x"),
        _ignore(IgnoreReason.BELOW_REFUND_FEE),
    ),
    ("valid below refund fee still mints", _tx(_send(amount="1")), MINT),
    (
        "multisend one input",
        _tx(
            {
                "@type": MSG_MULTI_SEND,
                "inputs": [{"address": SENDER, "coins": [{"denom": "upokt", "amount": "5000000"}]}],
                "outputs": [{"address": VAULT, "coins": [{"denom": "upokt", "amount": "5000000"}]}],
            }
        ),
        _refund(RefundReason.UNSUPPORTED_MESSAGE),
    ),
    (
        "multisend two inputs",
        _tx(
            {
                "@type": MSG_MULTI_SEND,
                "inputs": [
                    {"address": SENDER, "coins": [{"denom": "upokt", "amount": "3"}]},
                    {"address": OTHER, "coins": [{"denom": "upokt", "amount": "5000000"}]},
                ],
                "outputs": [{"address": VAULT, "coins": [{"denom": "upokt", "amount": "5000003"}]}],
            }
        ),
        _ignore(IgnoreReason.UNREFUNDABLE),
    ),
    ("events match", _tx(_send(), events=[_transfer_event(VAULT, "5000000upokt")]), MINT),
    (
        "events show a hidden transfer",
        _tx(
            _send(),
            events=[_transfer_event(VAULT, "5000000upokt"), _transfer_event(VAULT, "9upokt")],
        ),
        _ignore(IgnoreReason.UNRECOGNIZED_TRANSFER),
    ),
    (
        "authz exec into the vault",
        _tx(
            {"@type": "/cosmos.authz.v1beta1.MsgExec", "msgs": [_send()]},
            events=[_transfer_event(VAULT, "5000000upokt")],
        ),
        _ignore(IgnoreReason.UNRECOGNIZED_TRANSFER),
    ),
    (
        "unreadable events skip the cross-check",
        _tx(
            _send(),
            events=[{"type": "transfer", "attributes": [{"key": "cmVjaXBpZW50", "value": "eA=="}]}],
        ),
        MINT,
    ),
    ("malformed amount", _tx(_send(amount="-5")), _ignore(IgnoreReason.MALFORMED)),
    (
        "missing body",
        {"txhash": TX_HASH, "height": "1", "code": 0, "tx": {}},
        _ignore(IgnoreReason.MALFORMED),
    ),
    ("bad hash", _tx(_send(), txhash="xyz"), _ignore(IgnoreReason.MALFORMED)),
    ("bad height", _tx(_send(), height="1.5"), _ignore(IgnoreReason.MALFORMED)),
]


@pytest.mark.parametrize(("name", "tx", "expected"), CASES, ids=[c[0] for c in CASES])
def test_classification_table(name: str, tx: dict[str, Any], expected: tuple[str, str]) -> None:
    assert _verdict(classify_deposit(tx, RULES)) == expected


def test_valid_deposit_fields() -> None:
    result = classify_deposit(_tx(_send()), RULES)
    assert result == Classification(
        DepositKind.MINT, None, TX_HASH, 120, SENDER, 5_000_000, GOOD_MEMO, ETH
    )


def test_paused_bridge_refunds_valid_deposits_only() -> None:
    paused = DepositRules(vault_address=VAULT, eth_chain_id=1, paused=True, refund_fee=20_000)
    assert _verdict(classify_deposit(_tx(_send()), paused)) == _refund(RefundReason.BRIDGE_PAUSED)
    assert _verdict(classify_deposit(_tx(_send(), memo="x"), paused)) == _refund(
        RefundReason.MEMO_NOT_JSON
    )


def test_refund_amount_is_all_upokt_received_and_hash_is_upper_case() -> None:
    tx = _tx(_send(amount="100000"), _send(amount="250000"))
    tx["txhash"] = TX_HASH.lower()
    result = classify_deposit(tx, RULES)
    assert result.kind is DepositKind.REFUND
    assert (result.amount, result.sender, result.tx_hash) == (350_000, SENDER, TX_HASH)


@pytest.mark.parametrize("garbage", [None, [], "tx", 5, {"txhash": TX_HASH}, {"height": "1"}])
def test_garbage_is_ignored_not_raised(garbage: object) -> None:
    assert classify_deposit(garbage, RULES).reason == IgnoreReason.MALFORMED


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["@type", "amount", "denom", "from_address", "to_address", "memo", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(messages=st.lists(json_values, max_size=3), memo=json_values, code=json_values)
def test_arbitrary_messages_never_raise(messages: list[Any], memo: Any, code: Any) -> None:
    tx = _tx(*messages, memo=memo, code=code)
    result = classify_deposit(tx, RULES)
    assert result.kind in set(DepositKind)


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_mint_entry_document() -> None:
    result = classify_deposit(_tx(_send()), RULES)
    document = mint_entry_document(result, VAULT, NOW)
    assert isinstance(document.pop("_id"), ObjectId)
    assert document == {
        "transaction_hash": TX_HASH,
        "height": 120,
        "confirmations": 0,
        "from_address": SENDER,
        "to_address": ETH,
        "amount": "5000000",
        "memo": GOOD_MEMO,
        "vault_address": VAULT,
        "status": "detected",
        "signers": [],
        "signatures": [],
        "order": None,
        "nonce": None,
        "execution_tx_hash": None,
        "created_at": NOW,
        "updated_at": NOW,
        "error": None,
        "audit_seq": 0,
        "transitions": [],
    }


def test_refund_entry_document() -> None:
    result = classify_deposit(_tx(_send(), memo="hello"), RULES)
    local = NOW.astimezone(timezone(timedelta(hours=2)))
    collection, document = entry_document(result, VAULT, local)  # type: ignore[misc]
    assert collection == REFUNDS
    assert document["to_address"] == document["from_address"] == SENDER
    assert document["reason"] == "memo_not_json"
    assert document["sequence"] is None
    assert "nonce" not in document
    assert document["amount"] == "5000000"
    assert document["created_at"] == NOW
    assert document["created_at"].tzinfo is UTC


def test_entry_document_routing_and_guards() -> None:
    mint = classify_deposit(_tx(_send()), RULES)
    ignored = classify_deposit(_tx(_send(), code=1), RULES)
    assert entry_document(mint, VAULT)[0] == MINTS  # type: ignore[index]
    assert entry_document(ignored, VAULT) is None
    with pytest.raises(ValidationError):
        refund_entry_document(mint, VAULT)
    with pytest.raises(ValidationError):
        mint_entry_document(ignored, VAULT)
    with pytest.raises(ValidationError):
        mint_entry_document(mint, VAULT, datetime(2026, 1, 1))
