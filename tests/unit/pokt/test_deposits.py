"""Deposit classification table and the mint/refund entry documents built from it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.pokt import rest_shapes as rest
from wpokt_node.addresses import address_from_bytes
from wpokt_node.db.schema import MINTS, REFUNDS
from wpokt_node.errors import ValidationError
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.mint.entries import (
    entry_document,
    mint_entry_document,
    refund_entry_document,
)
from wpokt_node.pokt.deposit_flows import MSG_EXEC, MSG_MULTI_SEND, MSG_SEND, Part
from wpokt_node.pokt.deposits import (
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
RULES = DepositRules(vault_address=VAULT, eth_chain_id=1, max_deposit=10**12)
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
    """("mint" | "refund" | "unpayable" | "ignore", reason); "unpayable" is a refund entry the
    node records but never pays (its payout fails with ``c.unpayable``)."""
    kind = "unpayable" if c.unpayable is not None else str(c.kind)
    return kind, None if c.reason is None else str(c.reason)


MINT = ("mint", None)


def _refund(reason: RefundReason) -> tuple[str, str]:
    return ("refund", str(reason))


def _ignore(reason: IgnoreReason) -> tuple[str, str]:
    return ("ignore", str(reason))


def _unpayable(reason: RefundReason) -> tuple[str, str]:
    return ("unpayable", str(reason))


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
        _unpayable(RefundReason.MULTIPLE_COINS),
    ),
    ("over cap", _tx(_send(amount=str(10**12 + 1))), _refund(RefundReason.AMOUNT_OVER_CAP)),
    ("at cap", _tx(_send(amount=str(10**12))), MINT),
    ("failed tx", _tx(_send(), code=5), _ignore(IgnoreReason.TX_FAILED)),
    ("failed tx with bad memo", _tx(_send(), memo="x", code=11), _ignore(IgnoreReason.TX_FAILED)),
    ("other denom", _tx(_send(denom="uother")), _unpayable(RefundReason.OTHER_DENOMS)),
    ("not to the vault", _tx(_send(to_address=OTHER)), _ignore(IgnoreReason.NO_VAULT_TRANSFER)),
    (
        "unknown message only",
        _tx({"@type": "/pocket.supplier.MsgStakeSupplier", "x": 1}),
        _ignore(IgnoreReason.NO_VAULT_TRANSFER),
    ),
    ("unknown message skipped", _tx({"@type": "/pocket.session.MsgWhatever"}, _send()), MINT),
    ("vault to itself", _tx(_send(from_address=VAULT)), _ignore(IgnoreReason.SELF_TRANSFER)),
    (
        "two senders",
        _tx(_send(), _send(from_address=OTHER)),
        _unpayable(RefundReason.SEVERAL_SENDERS),
    ),
    (
        "dust with a bad memo is recorded",
        _tx(_send(amount="5"), memo="x"),
        _refund(RefundReason.MEMO_NOT_JSON),
    ),
    ("dust with a valid memo mints", _tx(_send(amount="1")), MINT),
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
        _unpayable(RefundReason.SEVERAL_SENDERS),
    ),
    ("events match", _tx(_send(), events=[_transfer_event(VAULT, "5000000upokt")]), MINT),
    (
        "events show a hidden transfer",
        _tx(
            _send(),
            events=[_transfer_event(VAULT, "5000000upokt"), _transfer_event(VAULT, "9upokt")],
        ),
        _unpayable(RefundReason.UNRECOGNIZED_TRANSFER),
    ),
    (
        "authz exec into the vault",
        _tx(
            {"@type": MSG_EXEC, "grantee": OTHER, "msgs": [_send()]},
            events=[_transfer_event(VAULT, "5000000upokt")],
        ),
        MINT,
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
    assert result.parts == ()
    assert result.unpayable is None


def test_paused_bridge_refunds_valid_deposits_only() -> None:
    paused = DepositRules(vault_address=VAULT, eth_chain_id=1, paused=True)
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
        "source": "deposit",
        "source_event": f"pokt:{TX_HASH}",
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


# -- every shape that puts coins into the vault, as the REST API returns it ----------------------

GRANTEE = pokt_address_of(LocalKeySigner(b"\x04" * 32).public_key)
POLICY = address_from_bytes(hashlib.sha256(b"another group policy").digest())  # 32 bytes
EXEC = MSG_EXEC


def _authz_deposit(memo: str, amount: str = "5000000") -> dict[str, Any]:
    """GRANTEE executes SENDER's MsgSend into the vault (a SendAuthorization of SENDER's)."""
    inner = rest.msg_send(SENDER, VAULT, ("upokt", amount))
    handler = rest.in_authz(rest.send_coins(SENDER, VAULT, f"{amount}upokt"))
    return rest.tx_response(
        [rest.msg_exec(GRANTEE, inner)],
        rest.message_events(0, EXEC, GRANTEE, "authz", handler),
        memo=memo,
        signer=GRANTEE,
        txhash=TX_HASH,
    )


def test_an_authz_exec_deposit_with_a_good_memo_mints_for_the_granter() -> None:
    # Given a MsgSend of SENDER's into the vault, executed by a grantee through authz MsgExec
    tx = _authz_deposit(GOOD_MEMO)

    # When it is classified
    verdict = classify_deposit(tx, RULES)

    # Then it is a deposit of the owner of the funds, the granter, like a direct MsgSend
    assert (verdict.kind, verdict.sender, verdict.amount) == (DepositKind.MINT, SENDER, 5_000_000)
    assert verdict.recipient == ETH


def test_an_authz_exec_deposit_with_a_bad_memo_is_refunded_to_the_granter() -> None:
    # Given the same authz deposit with a memo that is not JSON
    tx = _authz_deposit("for the bridge")

    # When its refund entry is built
    verdict = classify_deposit(tx, RULES)
    collection, document = entry_document(verdict, VAULT)  # type: ignore[misc]

    # Then the granter, not the grantee who signed the tx, gets the deposit back
    assert _verdict(verdict) == _refund(RefundReason.MEMO_NOT_JSON)
    assert collection == REFUNDS
    assert (document["from_address"], document["to_address"]) == (SENDER, SENDER)
    assert document["parts"] == [
        {"address": SENDER, "coins": [{"denom": "upokt", "amount": "5000000"}]}
    ]


def test_a_send_two_exec_levels_deep_is_an_unpayable_unrecognized_transfer() -> None:
    # Given a MsgExec inside a MsgExec (Pocket grants MsgExec itself) wrapping the deposit
    inner = rest.msg_exec(GRANTEE, rest.msg_send(SENDER, VAULT, ("upokt", "5000000")))
    handler = rest.in_authz(rest.in_authz(rest.send_coins(SENDER, VAULT, "5000000upokt")))
    tx = rest.tx_response(
        [rest.msg_exec(OTHER, inner)],
        rest.message_events(0, EXEC, OTHER, "authz", handler),
        memo=GOOD_MEMO,
        signer=OTHER,
        txhash=TX_HASH,
    )

    # When it is classified
    verdict = classify_deposit(tx, RULES)

    # Then the events' transfer, which the messages read do not explain, is recorded as an
    # unpayable refund naming the sender the events show
    assert _verdict(verdict) == _unpayable(RefundReason.UNRECOGNIZED_TRANSFER)
    assert verdict.parts == (Part(SENDER, (("upokt", 5_000_000),)),)
    assert verdict.unpayable == f"unrecognized_transfer: {SENDER} sent 5000000upokt"
    assert (verdict.sender, verdict.amount) == (SENDER, 5_000_000)


def test_a_group_proposal_of_another_account_paying_the_vault_is_recorded_unpayable() -> None:
    # Given another group policy's proposal executed into the vault: the body has only the
    # x/group MsgExec, the transfer is in the events alone
    group_exec = {"@type": "/cosmos.group.v1.MsgExec", "proposal_id": "12", "executor": OTHER}
    handler = [
        *rest.send_coins(POLICY, VAULT, "7000000upokt"),
        rest.event(
            "cosmos.group.v1.EventExec",
            ("proposal_id", '"12"'),
            ("result", '"PROPOSAL_EXECUTOR_RESULT_SUCCESS"'),
        ),
    ]
    tx = rest.tx_response(
        [group_exec],
        rest.message_events(0, "/cosmos.group.v1.MsgExec", OTHER, "group", handler),
        memo="",
        signer=OTHER,
        txhash=TX_HASH,
    )

    # When it is classified and its entry built
    verdict = classify_deposit(tx, RULES)
    _, document = entry_document(verdict, VAULT)  # type: ignore[misc]

    # Then it is an unpayable refund of the policy's coins, to be paid back by an operator
    assert _verdict(verdict) == _unpayable(RefundReason.UNRECOGNIZED_TRANSFER)
    assert document["to_address"] == VAULT  # nothing goes back by itself
    assert (document["from_address"], document["amount"]) == (POLICY, "7000000")


def test_several_senders_are_recorded_with_each_part_and_fail_by_name() -> None:
    # Given one tx signed by two accounts, each sending into the vault, one with another coin
    tx = rest.tx_response(
        [
            rest.msg_send(SENDER, VAULT, ("upokt", "5000000")),
            rest.msg_send(OTHER, VAULT, ("uother", "7"), ("upokt", "3000000")),
        ],
        [
            *rest.message_events(
                0, MSG_SEND, SENDER, "bank", rest.send_coins(SENDER, VAULT, "5000000upokt")
            ),
            *rest.message_events(
                1, MSG_SEND, OTHER, "bank", rest.send_coins(OTHER, VAULT, "7uother,3000000upokt")
            ),
        ],
        memo=GOOD_MEMO,
        signer=SENDER,
        txhash=TX_HASH,
    )

    # When it is classified and its entry built
    verdict = classify_deposit(tx, RULES)
    collection, document = entry_document(verdict, VAULT)  # type: ignore[misc]

    # Then one refund entry (one per tx) names every sender and what it sent; the node pays none
    assert _verdict(verdict) == _unpayable(RefundReason.SEVERAL_SENDERS)
    assert verdict.unpayable == (
        f"several_senders: {SENDER} sent 5000000upokt; {OTHER} sent 7uother,3000000upokt"
    )
    assert collection == REFUNDS
    assert document["parts"] == [
        {"address": SENDER, "coins": [{"denom": "upokt", "amount": "5000000"}]},
        {
            "address": OTHER,
            "coins": [
                {"denom": "uother", "amount": "7"},
                {"denom": "upokt", "amount": "3000000"},
            ],
        },
    ]
    assert (document["from_address"], document["to_address"]) == (SENDER, VAULT)
    assert (document["amount"], document["reason"]) == ("8000000", "several_senders")


@pytest.mark.parametrize(
    ("coins", "reason", "amount", "named"),
    [
        ((("uother", "7"),), RefundReason.OTHER_DENOMS, "0", "7uother"),
        (
            (("ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2", "9"),),
            RefundReason.OTHER_DENOMS,
            "0",
            "9ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
        ),
        (
            (("uother", "7"), ("upokt", "5000000")),
            RefundReason.MULTIPLE_COINS,
            "5000000",
            "7uother,5000000upokt",
        ),
    ],
)
def test_coins_other_than_upokt_make_the_whole_deposit_an_operator_refund(
    coins: tuple[tuple[str, str], ...], reason: RefundReason, amount: str, named: str
) -> None:
    # Given one sender's MsgSend into the vault carrying a coin the node cannot pay back
    text = ",".join(f"{a}{d}" for d, a in coins)
    tx = rest.tx_response(
        [rest.msg_send(SENDER, VAULT, *coins)],
        rest.message_events(0, MSG_SEND, SENDER, "bank", rest.send_coins(SENDER, VAULT, text)),
        memo=GOOD_MEMO,
        signer=SENDER,
        txhash=TX_HASH,
    )

    # When it is classified and its entry built
    verdict = classify_deposit(tx, RULES)
    _, document = entry_document(verdict, VAULT)  # type: ignore[misc]

    # Then nothing is minted or paid back in part: the entry names every coin, for the operator
    assert _verdict(verdict) == _unpayable(reason)
    assert verdict.unpayable == f"{reason}: {SENDER} sent {named}"
    assert document["amount"] == amount  # the upokt part, never more than the sender sent
    assert document["to_address"] == VAULT


def test_the_vault_sending_to_itself_is_ignored_and_does_not_hide_a_deposit() -> None:
    # Given the vault's own MsgSend to itself, alone and next to a deposit
    own = rest.msg_send(VAULT, VAULT, ("upokt", "9"))
    own_events = rest.message_events(
        0, MSG_SEND, VAULT, "bank", rest.send_coins(VAULT, VAULT, "9upokt")
    )
    deposit_events = rest.message_events(
        1, MSG_SEND, SENDER, "bank", rest.send_coins(SENDER, VAULT, "5000000upokt")
    )
    alone = rest.tx_response([own], own_events, memo="", signer=VAULT, txhash=TX_HASH)
    both = rest.tx_response(
        [own, rest.msg_send(SENDER, VAULT, ("upokt", "5000000"))],
        [*own_events, *deposit_events],
        memo=GOOD_MEMO,
        signer=SENDER,
        txhash=TX_HASH,
    )

    # When they are classified
    # Then nothing arrives in the first; the second is the sender's deposit alone
    assert _verdict(classify_deposit(alone, RULES)) == _ignore(IgnoreReason.SELF_TRANSFER)
    verdict = classify_deposit(both, RULES)
    assert (_verdict(verdict), verdict.sender, verdict.amount) == (MINT, SENDER, 5_000_000)


def test_a_multisend_whose_events_name_no_sender_is_explained_by_its_message() -> None:
    # Given a MsgMultiSend with the vault as one output (its transfer events have no sender)
    multisend = {
        "@type": MSG_MULTI_SEND,
        "inputs": [{"address": SENDER, "coins": [{"denom": "upokt", "amount": "5000001"}]}],
        "outputs": [
            {"address": VAULT, "coins": [{"denom": "upokt", "amount": "5000000"}]},
            {"address": OTHER, "coins": [{"denom": "upokt", "amount": "1"}]},
        ],
    }
    handler = [
        rest.event("coin_spent", ("spender", SENDER), ("amount", "5000001upokt")),
        *rest.multisend_output(VAULT, "5000000upokt"),
        *rest.multisend_output(OTHER, "1upokt"),
    ]
    tx = rest.tx_response(
        [multisend],
        rest.message_events(0, MSG_MULTI_SEND, SENDER, "bank", handler),
        memo=GOOD_MEMO,
        signer=SENDER,
        txhash=TX_HASH,
    )

    # When it is classified
    verdict = classify_deposit(tx, RULES)

    # Then it is the one sender's refund, not an unrecognized transfer
    assert _verdict(verdict) == _refund(RefundReason.UNSUPPORTED_MESSAGE)
    assert (verdict.sender, verdict.amount) == (SENDER, 5_000_000)


def test_a_failed_authz_exec_moved_nothing() -> None:
    # Given an authz deposit the chain refused (no grant): code 2, codespace authz
    tx = _authz_deposit(GOOD_MEMO)
    failed = rest.tx_response(
        tx["tx"]["body"]["messages"], [], memo=GOOD_MEMO, signer=GRANTEE, txhash=TX_HASH, code=2
    )

    # When it is classified, then it is ignored: only the fee moved, and not into the vault
    assert _verdict(classify_deposit(failed, RULES)) == _ignore(IgnoreReason.TX_FAILED)


def test_an_unpayable_error_stays_short_and_the_parts_keep_everything() -> None:
    # Given forty senders in one tx
    senders = [pokt_address_of(LocalKeySigner(bytes([i + 10]) * 32).public_key) for i in range(40)]
    tx = _tx(*(_send(amount="1000", from_address=s) for s in senders))

    # When it is classified
    verdict = classify_deposit(tx, RULES)

    # Then the error is bounded and the entry's parts list every sender
    assert verdict.unpayable is not None
    assert len(verdict.unpayable) <= 500
    assert verdict.unpayable.startswith("several_senders: ")
    assert [p.address for p in verdict.parts] == senders
    assert verdict.amount == 40_000
