"""Our entries in the deployed frontend's shapes: every document valid against the schema
written from its types, statuses as it names them, a signed mint's data and signatures as
the contract takes them, and nothing half-built."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from eth_utils.crypto import keccak

from tests.frontend_contract import BURN, INVALID_MINT, MINT, problems
from wpokt_node.db.models import new_entry
from wpokt_node.eth.eip712 import sign_mint_data
from wpokt_node.frontend.shapes import (
    UnmappableError,
    ViewFacts,
    burn_view,
    invalid_mint_view,
    mint_view,
)
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of

Document = dict[str, Any]
CONTROLLER = "0x189FEc1c5a125a9d60CA5072b58128e18Da44f76"
VALIDATORS = [LocalKeySigner(keccak(text=f"validator-{i}")) for i in range(4)]
RECIPIENT = "0x4f6A22dD6dA50B868133d147Dbc97bD70f77A6A7"
VAULT = "pokt1afk9zr2hn2jsac63h4hm60vl9z3e5u69gndzf7c99cqge3vzwjzscxnvwx"
FACTS = ViewFacts(
    wpokt_address="0x5fbdb2315678afecb367f032d93f642f64180aa3",
    vault_address=VAULT,
    eth_chain_id=31337,
    pokt_chain_id="pocket",
    controller=CONTROLLER,
    validators=frozenset(eth_address_of(v.public_key).lower() for v in VALIDATORS),
)
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
DEPOSIT_TX = "9CB5FBB709DE93B3D63FB0DB2E3E02285831ACB6E2D7D339ABA186DEB2846D7C"


def mint_entry(status: str, **fields: Any) -> Document:
    document = new_entry(transaction_hash=DEPOSIT_TX,
                         height=101, from_address="pokt1gl4s3thducl56jyrvk4wn2eglx620lq74zpcs7",
                         to_address=RECIPIENT, amount=2_000_000, now=NOW,
                         memo='{"address": "0x4f6a22dd6da50b868133d147dbc97bd70f77a6a7", '
                              '"chain_id": "31337"}', source_event="pokt:9CB5")  # fmt: skip
    document.update({"_id": ObjectId(), "status": status, "updated_at": NOW})
    document.update(fields)
    return document


def signed_mint_entry(signers: list[LocalKeySigner], **fields: Any) -> Document:
    order = {"recipient": RECIPIENT, "amount": "2000000", "nonce": 3, "chain_id": 31337,
             "controller": CONTROLLER}  # fmt: skip
    signatures = [
        {"node_id": f"node-{i}", "signer": eth_address_of(s.public_key),
         "signature": "0x" + sign_mint_data(s, 31337, CONTROLLER, RECIPIENT, 2_000_000, 3).hex()}
        for i, s in enumerate(signers)
    ]  # fmt: skip
    return mint_entry("signed", order=order, nonce=3, signatures=signatures,
                 signers=[s["node_id"] for s in signatures], **fields)  # fmt: skip


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("detected", "pending"), ("confirmed", "confirmed"), ("started", "confirmed"),
     ("executed", "success"), ("failed", "failed")],
)  # fmt: skip
def test_each_status_of_a_mint_is_named_as_the_frontend_names_it(ours: str, theirs: str) -> None:
    order = {"recipient": RECIPIENT, "amount": "2000000", "nonce": 3, "chain_id": 31337,
             "controller": CONTROLLER}  # fmt: skip
    fields = {"order": order, "nonce": 3} if ours in ("started", "executed") else {}
    shaped = mint_view(mint_entry(ours, execution_tx_hash="0xabc", **fields), FACTS)
    assert shaped["status"] == theirs
    assert problems(MINT, shaped) == []
    assert shaped["mint_tx_hash"] == ("0xabc" if theirs == "success" else "")


def test_a_signed_mint_carries_data_and_the_valid_signatures_sorted_by_signer() -> None:
    # Given a signed mint with three validators' signatures, one of them stored twice, and a
    # signature by a key that is no validator
    outsider = LocalKeySigner(keccak(text="not a validator"))
    document = signed_mint_entry([VALIDATORS[2], VALIDATORS[0], VALIDATORS[3], outsider])
    document["signatures"].append(dict(document["signatures"][0]))

    # When it is shaped for the frontend
    shaped = mint_view(document, FACTS)

    # Then it shows the MintData in decimal strings and the three validators' signatures,
    # sorted by signer address ascending, lower-case, as mintWrappedPocket takes them
    assert problems(MINT, shaped) == []
    assert shaped["status"] == "signed"
    assert shaped["data"] == {"recipient": RECIPIENT.lower(), "amount": "2000000", "nonce": "3"}
    expected = sorted(eth_address_of(v.public_key).lower() for v in
                      (VALIDATORS[0], VALIDATORS[2], VALIDATORS[3]))  # fmt: skip
    assert shaped["signers"] == sorted(expected, key=lambda a: int(a, 16))
    assert len(shaped["signatures"]) == 3
    assert shaped["transaction_hash"] == "0x" + DEPOSIT_TX.lower()
    assert shaped["memo"] == {"address": RECIPIENT.lower(), "chain_id": "31337"}
    assert (shaped["height"], shaped["nonce"], shaped["amount"]) == ("101", "3", "2000000")


def test_a_release_with_its_payout_tx_recorded_shows_submitted_then_success() -> None:
    burn = new_entry(transaction_hash="0x" + "ab" * 32, height=56, from_address=RECIPIENT,
                     to_address="pokt1gl4s3thducl56jyrvk4wn2eglx620lq74zpcs7", amount=1_000_000,
                     now=NOW, burn_index=0, log_index=4, block_hash="0x" + "cd" * 32)  # fmt: skip
    burn.update(_id=ObjectId(), status="signed", execution_tx_hash=None)
    assert burn_view(burn, FACTS)["status"] == "signed"
    burn["execution_tx_hash"] = "F00D"
    shaped = burn_view(burn, FACTS)
    assert (shaped["status"], shaped["return_transaction_hash"]) == ("submitted", "F00D")
    assert problems(BURN, shaped) == []
    burn["status"] = "executed"
    assert burn_view(burn, FACTS)["status"] == "success"
    refund = new_entry(transaction_hash="6CFA" * 16, height=9, from_address=VAULT,
                       to_address=VAULT, amount=3_000_000, now=NOW, memo="not json",
                       reason="memo_not_json")  # fmt: skip
    refund.update(_id=ObjectId())
    shaped = invalid_mint_view(refund, FACTS)
    assert (shaped["status"], shaped["memo"]) == ("pending", "not json")
    assert problems(INVALID_MINT, shaped) == []


@pytest.mark.parametrize(
    "broken",
    [{"status": "paid"}, {"amount": 5}, {"amount": "²"}, {"height": None},
     {"created_at": "yesterday"}, {"status": "signed", "order": None}],
)  # fmt: skip
def test_an_entry_the_view_cannot_map_raises_instead_of_half_a_document(broken: Document) -> None:
    with pytest.raises(UnmappableError):
        mint_view({**mint_entry("detected"), **broken}, FACTS)


def test_a_memo_nested_past_the_parsers_depth_is_shown_as_no_memo() -> None:
    shaped = mint_view(mint_entry("detected", memo="[" * 100_000), FACTS)
    assert shaped["memo"] is None
    assert problems(MINT, shaped) == []
