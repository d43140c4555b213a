"""The auth ante handler, in the SDK v0.50 decorator order.

validate basic -> extension options -> timeout height -> memo size -> tx size gas ->
deduct fee -> set pubkey -> signature count (tx_sig_limit) -> signature gas ->
signature verification (sequence, then signature) -> increment sequence.

Runs on a branch of the account store; the caller commits the branch only on success.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.accounts import Account, AccountStore
from wpokt_devnet.pokt_sim.addresses import AddressError, address_from_bytes, normalize
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.events import Event, coin_move_events, event
from wpokt_devnet.pokt_sim.genesis import DENOM, Genesis
from wpokt_devnet.pokt_sim.keys import ModuleCredential, MultisigKey, PubKey
from wpokt_devnet.pokt_sim.messages import MsgSend, coins_str, valid_denom
from wpokt_devnet.pokt_sim.signdoc import (
    AminoCoin,
    AminoSend,
    amino_json_sign_bytes,
    direct_sign_bytes,
)
from wpokt_devnet.pokt_sim.tx import (
    SIGN_MODE_DIRECT,
    SIGN_MODE_LEGACY_AMINO_JSON,
    DecodedTx,
    MultiSig,
    SigData,
    SignerInfo,
)
from wpokt_devnet.pokt_sim.verify import BadSignatureError, verify_signature

FEE_COLLECTOR = address_from_bytes(hashlib.sha256(b"fee_collector").digest()[:20])


@dataclass(slots=True)
class GasMeter:
    limit: int
    used: int = 0

    def consume(self, amount: int, what: str) -> None:
        self.used += amount
        if self.used > self.limit:
            raise TxError(
                codes.OUT_OF_GAS,
                f"out of gas in location: {what}; gasWanted: {self.limit}, gasUsed: {self.used}",
            )


@dataclass(slots=True)
class AnteOutcome:
    gas: GasMeter
    events: list[Event] = field(default_factory=list)


def _valid_address(address: str) -> bool:
    try:
        return normalize(address) == address
    except AddressError:
        return False


def _validate_basic(tx: DecodedTx) -> list[str]:
    if not tx.msgs:
        raise TxError(codes.INVALID_REQUEST, "must contain at least one message")
    if not tx.signer_infos:
        raise TxError(codes.NO_SIGNATURES)
    for msg in tx.msgs:
        for signer in msg.signers:
            if not _valid_address(signer):
                raise TxError(codes.INVALID_ADDRESS, f"invalid signer address {signer!r}")
    if tx.fee_payer and not _valid_address(tx.fee_payer):
        raise TxError(codes.INVALID_ADDRESS, f"invalid fee payer {tx.fee_payer!r}")
    if any(coin.amount < 0 or not valid_denom(coin.denom) for coin in tx.fee):
        raise TxError(codes.INSUFFICIENT_FEE, f"invalid fee provided: {coins_str(tx.fee)}")
    signers = tx.signers()
    if len(signers) != len(tx.signer_infos):
        raise TxError(
            codes.UNAUTHORIZED,
            f"invalid number of signer;  expected: {len(signers)}, got {len(tx.signer_infos)}",
        )
    return signers


def _deduct_fee(
    store: AccountStore, tx: DecodedTx, payer: str, genesis: Genesis, events: list[Event]
) -> None:
    paid = sum(coin.amount for coin in tx.fee if coin.denom == DENOM)
    if paid < genesis.min_fee_upokt:
        raise TxError(
            codes.INSUFFICIENT_FEE,
            f"insufficient fees; got: {coins_str(tx.fee)} required: {genesis.min_fee_upokt}{DENOM}",
        )
    account = store.get(payer)
    if account is None:
        raise TxError(codes.UNKNOWN_ADDRESS, f"fee payer address: {payer} does not exist")
    fee = tuple(coin for coin in tx.fee if coin.amount > 0)
    if fee:
        for coin in fee:
            if account.balance(coin.denom) < coin.amount:
                spendable = f"{account.balance(coin.denom)}{coin.denom}"
                raise TxError(
                    codes.INSUFFICIENT_FUNDS,
                    f"spendable balance {spendable} is smaller than {coin}: insufficient funds",
                )
        collector = store.get_or_create(FEE_COLLECTOR)
        for coin in fee:
            account.balances[coin.denom] -= coin.amount
            collector.balances[coin.denom] = collector.balance(coin.denom) + coin.amount
        events.extend(coin_move_events(payer, FEE_COLLECTOR, coins_str(fee)))
    events.append(event("tx", ("fee", coins_str(tx.fee)), ("fee_payer", payer)))


def _signature_cost(public_key: PubKey, sig: SigData, genesis: Genesis) -> int:
    if isinstance(public_key, MultisigKey) and isinstance(sig, MultiSig):
        return sum(genesis.auth_params.sig_verify_cost_secp256k1 for bit in sig.bits if bit)
    return genesis.auth_params.sig_verify_cost_secp256k1


def _sign_bytes_for(
    tx: DecodedTx, account: Account, sequence: int, chain_id: str
) -> dict[int, bytes]:
    direct = direct_sign_bytes(tx.body_bytes, tx.auth_info_bytes, chain_id, account.account_number)
    sends = [m for m in tx.msgs if isinstance(m, MsgSend)]
    if len(sends) != len(tx.msgs):  # amino JSON is only modelled for MsgSend: DIRECT only
        return {SIGN_MODE_DIRECT: direct}
    amino = amino_json_sign_bytes(
        chain_id=chain_id,
        account_number=account.account_number,
        sequence=sequence,
        fee_amount=tuple(AminoCoin(c.denom, str(c.amount)) for c in tx.fee),
        gas=tx.gas_limit,
        msgs=tuple(
            AminoSend(
                m.from_address,
                m.to_address,
                tuple(AminoCoin(c.denom, str(c.amount)) for c in m.amount),
            )
            for m in sends
        ),
        memo=tx.memo,
        timeout_height=tx.timeout_height,
        fee_payer=tx.fee_payer,
        fee_granter=tx.fee_granter,
    )
    return {SIGN_MODE_DIRECT: direct, SIGN_MODE_LEGACY_AMINO_JSON: amino}


def _check_tx_limits(tx: DecodedTx, genesis: Genesis, height: int) -> None:
    """Extension options, timeout height and memo size (the SDK's first ante decorators)."""
    if tx.has_extension_options:
        raise TxError(codes.UNKNOWN_EXTENSION_OPTIONS, "extension options are not supported")
    if tx.timeout_height and height > tx.timeout_height:
        raise TxError(
            codes.TX_TIMEOUT_HEIGHT,
            f"block height: {height}, timeout height: {tx.timeout_height}",
        )
    memo_length = len(tx.memo.encode("utf-8"))  # Go's len(string): bytes, not characters
    limit = genesis.auth_params.max_memo_characters
    if memo_length > limit:
        raise TxError(
            codes.MEMO_TOO_LARGE,
            f"maximum number of characters is {limit} but received {memo_length} characters",
        )


def _set_pub_keys(store: AccountStore, tx: DecodedTx, signers: list[str]) -> list[Account]:
    """SetPubKeyDecorator: each signer's account, taking the tx's public key if it has none."""
    accounts: list[Account] = []
    for index, (signer, info) in enumerate(zip(signers, tx.signer_infos, strict=True)):
        if info.public_key is not None and info.public_key.address != signer:
            raise TxError(
                codes.INVALID_PUBKEY,
                f"pubKey does not match signer address {signer} with signer index: {index}",
            )
        account = store.get(signer)
        if account is None:
            raise TxError(codes.UNKNOWN_ADDRESS, f"account {signer} does not exist")
        if account.pub_key is None and info.public_key is not None:
            account.pub_key = info.public_key
        accounts.append(account)
    return accounts


def _signer_events(tx: DecodedTx, signers: list[str]) -> list[Event]:
    events = [
        event("tx", ("acc_seq", f"{signer}/{info.sequence}"))
        for signer, info in zip(signers, tx.signer_infos, strict=True)
    ]
    for raw_signature in tx.proto.signatures:
        events.append(event("tx", ("signature", base64.b64encode(raw_signature).decode())))
    return events


def _consume_signature_gas(
    tx: DecodedTx, accounts: list[Account], genesis: Genesis, gas: GasMeter
) -> None:
    """ValidateSigCountDecorator, then SigGasConsumeDecorator."""
    sig_count = sum(info.public_key.key_count for info in tx.signer_infos if info.public_key)
    if sig_count > genesis.auth_params.tx_sig_limit:
        raise TxError(
            codes.TOO_MANY_SIGNATURES,
            f"signatures: {sig_count}, limit: {genesis.auth_params.tx_sig_limit}",
        )
    for account, info in zip(accounts, tx.signer_infos, strict=True):
        if account.pub_key is None:
            raise TxError(codes.INVALID_PUBKEY, "pubkey on account is not set")
        if isinstance(account.pub_key, ModuleCredential):  # DefaultSigVerificationGasConsumer
            raise TxError(
                codes.INVALID_PUBKEY, "unrecognized public key type: *types.ModuleCredential"
            )
        gas.consume(_signature_cost(account.pub_key, info.sig, genesis), "sigVerify")


def _verify_signer(tx: DecodedTx, account: Account, info: SignerInfo, genesis: Genesis) -> None:
    """SigVerificationDecorator for one signer: sequence, then the signature."""
    assert account.pub_key is not None
    assert not isinstance(account.pub_key, ModuleCredential)
    if info.sequence != account.sequence:
        raise TxError(
            codes.WRONG_SEQUENCE,
            f"account sequence mismatch, expected {account.sequence}, got {info.sequence}",
        )
    sign_bytes = _sign_bytes_for(tx, account, account.sequence, genesis.chain_id)

    def bytes_for_mode(mode: int) -> bytes:
        if mode not in sign_bytes:
            raise BadSignatureError(f"unsupported sign mode {mode}")
        return sign_bytes[mode]

    try:
        verify_signature(account.pub_key, info.sig, bytes_for_mode)
    except BadSignatureError:
        raise TxError(
            codes.UNAUTHORIZED,
            "signature verification failed; please verify account number "
            f"({account.account_number}), sequence ({account.sequence}) and chain-id "
            f"({genesis.chain_id})",
        ) from None


def run_ante(store: AccountStore, tx: DecodedTx, genesis: Genesis, height: int) -> AnteOutcome:
    """Apply the ante handler to ``store``; raise TxError with the SDK's code on rejection."""
    signers = _validate_basic(tx)
    _check_tx_limits(tx, genesis, height)
    outcome = AnteOutcome(GasMeter(tx.gas_limit))
    outcome.gas.consume(genesis.auth_params.tx_size_cost_per_byte * len(tx.raw), "txSize")

    payer = tx.fee_payer or signers[0]
    _deduct_fee(store, tx, payer, genesis, outcome.events)

    accounts = _set_pub_keys(store, tx, signers)
    outcome.events.extend(_signer_events(tx, signers))
    _consume_signature_gas(tx, accounts, genesis, outcome.gas)
    for account, info in zip(accounts, tx.signer_infos, strict=True):
        _verify_signer(tx, account, info, genesis)

    for account in accounts:
        account.sequence += 1
    return outcome
