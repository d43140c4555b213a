"""Which fee the deployed token collected for one Minted log of a tx (its mint fee)."""

from __future__ import annotations

from eth_utils.address import to_checksum_address

from wpokt_node.eth.client import LogRecord
from wpokt_node.eth.events import FEE_COLLECTED_TOPIC, MINTED_TOPIC, fee_collected_for

TOKEN = str(to_checksum_address("0x00000000000000000000000000000000000000aa"))
OTHER = str(to_checksum_address("0x00000000000000000000000000000000000000bb"))


def _log(index: int, topic: bytes, value: int = 0, address: str = TOKEN) -> LogRecord:
    word = value.to_bytes(32, "big")
    topics = (
        (topic, bytes(32), word) if topic == FEE_COLLECTED_TOPIC else (topic, bytes(32), word, word)
    )
    return LogRecord(address, topics, b"", 1, "0x00", "0x01", index, False)


def test_the_fee_just_before_a_single_mint_is_its_own() -> None:
    logs = [_log(0, FEE_COLLECTED_TOPIC, 3_000), _log(1, MINTED_TOPIC)]
    assert fee_collected_for(logs, TOKEN, 1) == 3_000


def test_without_a_fee_log_the_fee_was_off() -> None:
    assert fee_collected_for([_log(4, MINTED_TOPIC)], TOKEN, 4) == 0


def test_two_single_mints_in_one_tx_each_have_their_own_fee() -> None:
    logs = [
        _log(0, FEE_COLLECTED_TOPIC, 10),
        _log(1, MINTED_TOPIC),
        _log(2, FEE_COLLECTED_TOPIC, 20),
        _log(3, MINTED_TOPIC),
    ]
    assert (fee_collected_for(logs, TOKEN, 1), fee_collected_for(logs, TOKEN, 3)) == (10, 20)


def test_one_fee_for_a_whole_batch_is_nobodys_alone() -> None:
    logs = [_log(0, FEE_COLLECTED_TOPIC, 300), _log(1, MINTED_TOPIC), _log(2, MINTED_TOPIC)]
    assert fee_collected_for(logs, TOKEN, 1) is None
    assert fee_collected_for(logs, TOKEN, 2) is None


def test_another_contracts_fee_log_is_not_the_tokens() -> None:
    logs = [_log(0, FEE_COLLECTED_TOPIC, 999, address=OTHER), _log(1, MINTED_TOPIC)]
    assert fee_collected_for(logs, TOKEN, 1) == 0
