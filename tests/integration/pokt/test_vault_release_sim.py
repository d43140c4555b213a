"""9-of-12 vault payouts built by the node's code, broadcast to the Pocket simulator."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from cosmpy.aerial.client import LedgerClient, NetworkConfig
from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2

from tests.fixtures.pokt import PoktSimFactory, pokt_genesis
from wpokt_devnet.pokt_sim.app import PoktSimulator
from wpokt_node.errors import StartupCheckError
from wpokt_node.keys.signer import LocalKeySigner, pokt_address_of
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.multisig import MultisigPubKey, compact_bit_array
from wpokt_node.pokt.multisig_tx import AssembledTx, assemble_multisig_tx
from wpokt_node.pokt.release_memo import burn_release_memo, refund_release_memo
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc, sign_release
from wpokt_node.pokt.startup import check_tx_sig_limit, check_vault_account
from wpokt_node.pokt.tx_encoding import SIGN_MODE_LEGACY_AMINO_JSON

pytestmark = pytest.mark.pokt

MEMBERS = [LocalKeySigner(hashlib.sha256(b"vault member %d" % i).digest()) for i in range(12)]
VAULT = MultisigPubKey.create(9, [m.public_key for m in MEMBERS])
VAULT_BALANCE = 50_000_000_000
FEE = 20_000
RECIPIENT = pokt_address_of(LocalKeySigner(hashlib.sha256(b"recipient").digest()).public_key)


def _start(factory: PoktSimFactory, tx_sig_limit: int) -> PoktSimulator:
    genesis = pokt_genesis([], auth_params={"tx_sig_limit": tx_sig_limit})
    genesis["accounts"] = [
        {"address": VAULT.address(), "balances": {"upokt": str(VAULT_BALANCE)}},
    ]
    return factory(genesis)


@pytest.fixture
def sim(pokt_sim_factory: PoktSimFactory) -> PoktSimulator:
    return _start(pokt_sim_factory, tx_sig_limit=12)


@pytest.fixture
def client(sim: PoktSimulator) -> Iterator[PocketClient]:
    pocket = PocketClient(sim.url, retries=2, backoff_s=0.01)
    yield pocket
    pocket.close()


def _spec(client: PocketClient, **overrides: Any) -> ReleaseSpec:
    account = client.account(VAULT.address())
    assert account is not None
    fields: dict[str, Any] = {
        "chain_id": "pocket",
        "account_number": account.account_number,
        "sequence": account.sequence,
        "vault_address": VAULT.address(),
        "recipient": RECIPIENT,
        "amount": 1_234_567,
        "memo": burn_release_memo("0x" + "be" * 32, 7),
        "fee_amount": FEE,
        "gas_limit": 400_000,
    }
    fields.update(overrides)
    return ReleaseSpec(**fields)


def _sign_and_assemble(spec: ReleaseSpec, signers: list[LocalKeySigner]) -> AssembledTx:
    doc = build_release_sign_doc(spec)
    return assemble_multisig_tx(spec, VAULT, {m.public_key: sign_release(m, doc) for m in signers})


def _with_signatures(tx_bytes: bytes, keep: int, tamper: int | None = None) -> bytes:
    raw = tx_pb2.TxRaw()
    raw.ParseFromString(tx_bytes)
    auth_info = tx_pb2.AuthInfo()
    auth_info.ParseFromString(raw.auth_info_bytes)
    multi = auth_info.signer_infos[0].mode_info.multi
    signatures = multisig_pb2.MultiSignature()
    signatures.ParseFromString(raw.signatures[0])
    sigs = [bytes(s) for s in signatures.signatures][:keep]
    if tamper is not None:
        sigs[tamper] = sigs[tamper][:-1] + bytes([sigs[tamper][-1] ^ 1])
    multi.bitarray.CopyFrom(compact_bit_array([i < keep for i in range(VAULT.size)]))
    del multi.mode_infos[:]
    single = tx_pb2.ModeInfo(single=tx_pb2.ModeInfo.Single(mode=SIGN_MODE_LEGACY_AMINO_JSON))
    multi.mode_infos.extend([single] * keep)
    raw.auth_info_bytes = auth_info.SerializeToString()
    raw.signatures[0] = multisig_pb2.MultiSignature(signatures=sigs).SerializeToString()
    return bytes(raw.SerializeToString())


def test_nine_of_twelve_payout_is_accepted_and_moves_balances(
    sim: PoktSimulator, client: PocketClient
) -> None:
    spec = _spec(client)
    assembled = _sign_and_assemble(spec, MEMBERS)
    result = client.broadcast(assembled.tx_bytes)
    assert (result.code, result.txhash) == (0, assembled.tx_hash), result.raw_log
    included = client.wait_for_tx(assembled.tx_hash, timeout_s=10, poll_s=0.05)
    assert included is not None
    assert included["code"] == 0
    assert included["tx"]["body"]["memo"] == spec.memo
    assert client.balance(RECIPIENT) == spec.amount
    assert client.balance(VAULT.address()) == VAULT_BALANCE - spec.amount - FEE
    account = client.account(VAULT.address())
    assert account is not None
    assert account.sequence == spec.sequence + 1
    check_vault_account(account, VAULT)

    # The next payout uses the next sequence; a replay of the first is refused.
    second = _spec(client, memo=refund_release_memo("C0" * 32), amount=5)
    assert client.broadcast(_sign_and_assemble(second, MEMBERS[3:]).tx_bytes).code == 0
    replay = client.broadcast(assembled.tx_bytes)
    assert replay.code in (19, 32), replay.raw_log  # already seen / sequence already used
    assert client.balance(RECIPIENT) == spec.amount + 5
    assert client.balance(VAULT.address()) == VAULT_BALANCE - spec.amount - 5 - 2 * FEE


@pytest.mark.parametrize(
    ("spec_overrides", "code"),
    [
        ({"chain_id": "pocket-beta"}, 4),
        ({"account_number": 99}, 4),
        ({"sequence": 1}, 32),
    ],
)
def test_wrong_context_is_rejected_by_the_chain(
    client: PocketClient, spec_overrides: dict[str, Any], code: int
) -> None:
    assembled = _sign_and_assemble(_spec(client, **spec_overrides), MEMBERS[:9])
    result = client.broadcast(assembled.tx_bytes)
    assert result.code == code, result.raw_log
    assert client.balance(VAULT.address()) == VAULT_BALANCE
    assert client.tx(assembled.tx_hash) is None


@pytest.mark.parametrize(("keep", "tamper"), [(8, None), (9, 4)])
def test_too_few_or_tampered_signatures_are_rejected(
    client: PocketClient, keep: int, tamper: int | None
) -> None:
    good = _sign_and_assemble(_spec(client), MEMBERS)
    result = client.broadcast(_with_signatures(good.tx_bytes, keep, tamper))
    assert result.code == 4, result.raw_log
    assert client.balance(VAULT.address()) == VAULT_BALANCE


def test_twelve_key_vault_over_tx_sig_limit_is_rejected(pokt_sim_factory: PoktSimFactory) -> None:
    sim = _start(pokt_sim_factory, tx_sig_limit=7)
    client = PocketClient(sim.url, retries=1)
    with pytest.raises(StartupCheckError, match="tx_sig_limit is 7"):
        check_tx_sig_limit(client.auth_params(), VAULT)
    result = client.broadcast(_sign_and_assemble(_spec(client), MEMBERS).tx_bytes)
    assert result.code == 14, result.raw_log
    assert client.balance(VAULT.address()) == VAULT_BALANCE
    client.close()


def test_cosmpy_ledger_client_reads_the_multisig_vault(
    sim: PoktSimulator, client: PocketClient
) -> None:
    assert client.broadcast(_sign_and_assemble(_spec(client), MEMBERS).tx_bytes).code == 0
    ledger = LedgerClient(
        NetworkConfig(
            chain_id="pocket",
            url=f"rest+{sim.url}",
            fee_minimum_gas_price=0,
            fee_denomination="upokt",
            staking_denomination="upokt",
        )
    )
    vault = Address(VAULT.address())
    account = ledger.query_account(vault)
    ours = client.account(VAULT.address())
    assert ours is not None
    assert (account.number, account.sequence) == (ours.account_number, ours.sequence) == (0, 1)
    assert ledger.query_bank_balance(vault, denom="upokt") == client.balance(VAULT.address())
    assert ledger.query_height() == client.latest_height()
