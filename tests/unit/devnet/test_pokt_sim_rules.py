"""Small rules of the simulator: query parsing, genesis validation, multisig bit arrays."""

from __future__ import annotations

import hashlib

import pytest

from wpokt_devnet.pokt_sim.genesis import genesis_from_dict
from wpokt_devnet.pokt_sim.keys import MultisigKey, Secp256k1Key
from wpokt_devnet.pokt_sim.search import QueryError, matches, parse_query
from wpokt_devnet.pokt_sim.tx import MultiSig, SingleSig
from wpokt_devnet.pokt_sim.verify import BadSignatureError, verify_signature
from wpokt_node.errors import ConfigError
from wpokt_node.keys.signer import LocalKeySigner

pytestmark = pytest.mark.pokt


def test_query_conditions() -> None:
    conditions = parse_query("transfer.recipient='pokt1x AND y' AND tx.height>=5 AND tx.height<7")
    assert [c.key for c in conditions] == ["transfer.recipient", "tx.height", "tx.height"]
    attributes = {"transfer.recipient": ["a", "pokt1x AND y"], "tx.height": ["6"]}
    assert matches(conditions, attributes)
    assert not matches(conditions, {**attributes, "tx.height": ["7"]})
    assert not matches(conditions, {"tx.height": ["6"]})
    assert matches(parse_query("message.action CONTAINS 'Send'"), {"message.action": ["MsgSend"]})
    assert matches(parse_query("tx.fee EXISTS"), {"tx.fee": [""]})
    for bad in ("", "a.b", "a.b='x' OR c.d='y'", "a.b EXISTS 'x'", "a.b CONTAINS 5", "a.b='x"):
        with pytest.raises(QueryError):
            parse_query(bad)


def test_genesis_reports_every_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        genesis_from_dict(
            {
                "chain_id": "",
                "block_time_s": -1,
                "auth_params": {"tx_sig_limit": 0, "bogus": 1},
                "accounts": [{"address": "pokt1bad", "balance": "x"}, 5],
                "extra": True,
            }
        )
    text = str(caught.value)
    for expected in ("chain_id", "block_time_s", "tx_sig_limit", "bogus", "accounts[0]", "extra"):
        assert expected in text
    genesis = genesis_from_dict({})
    assert (genesis.chain_id, genesis.auth_params.tx_sig_limit, genesis.instant) == (
        "pocket",
        7,
        True,
    )


def test_multisig_bit_array_must_match_the_key_list() -> None:
    members = [LocalKeySigner(hashlib.sha256(bytes([i])).digest()) for i in range(3)]
    key = MultisigKey(2, tuple(Secp256k1Key(m.public_key) for m in members))
    message = b"sign me"
    digest = hashlib.sha256(message).digest()
    sigs = tuple(SingleSig(127, m.sign_digest(digest).rs_bytes()) for m in members[:2])
    verify_signature(key, MultiSig((True, True, False), sigs), lambda mode: message)
    for bits in ((True, True), (True, True, False, False), (True, False, True)):
        with pytest.raises(BadSignatureError):
            verify_signature(key, MultiSig(bits, sigs), lambda mode: message)
    with pytest.raises(BadSignatureError):
        verify_signature(key, MultiSig((True, True, True), sigs), lambda mode: message)
