"""Message execution: ``MsgSend`` as the v0.50 bank keeper runs it (DeliverTx only)."""

from __future__ import annotations

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.accounts import AccountStore
from wpokt_devnet.pokt_sim.addresses import AddressError, normalize
from wpokt_devnet.pokt_sim.ante import FEE_COLLECTOR, GasMeter
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.events import Event, coin_move_events, event, with_msg_index
from wpokt_devnet.pokt_sim.genesis import Genesis
from wpokt_devnet.pokt_sim.tx import (
    MSG_SEND_TYPE_URL,
    DecodedTx,
    MsgSend,
    coins_str,
    valid_denom,
)

BLOCKED_RECIPIENTS = frozenset({FEE_COLLECTOR})


def _check_coins(msg: MsgSend) -> None:
    denoms = [coin.denom for coin in msg.amount]
    valid = (
        bool(msg.amount)
        and all(coin.amount > 0 and valid_denom(coin.denom) for coin in msg.amount)
        and denoms == sorted(set(denoms))
    )
    if not valid:
        raise TxError(codes.INVALID_COINS, coins_str(msg.amount))


def _send(store: AccountStore, msg: MsgSend) -> list[Event]:
    try:
        if normalize(msg.to_address) != msg.to_address:
            raise AddressError("not in canonical form")
    except AddressError as exc:
        raise TxError(codes.INVALID_ADDRESS, f"invalid to address: {exc}") from None
    _check_coins(msg)
    if msg.to_address in BLOCKED_RECIPIENTS:
        raise TxError(codes.UNAUTHORIZED, f"{msg.to_address} is not allowed to receive funds")
    sender = store.get(msg.from_address)
    for coin in msg.amount:
        spendable = sender.balance(coin.denom) if sender else 0
        if spendable < coin.amount:
            raise TxError(
                codes.INSUFFICIENT_FUNDS,
                f"spendable balance {spendable}{coin.denom} is smaller than {coin}",
            )
    assert sender is not None
    recipient = store.get_or_create(msg.to_address)
    for coin in msg.amount:
        sender.balances[coin.denom] -= coin.amount
        recipient.balances[coin.denom] = recipient.balance(coin.denom) + coin.amount
    amount = coins_str(msg.amount)
    return [
        event(
            "message",
            ("action", MSG_SEND_TYPE_URL),
            ("sender", msg.from_address),
            ("module", "bank"),
        ),
        *coin_move_events(msg.from_address, msg.to_address, amount),
    ]


def execute_msgs(
    store: AccountStore, tx: DecodedTx, genesis: Genesis, gas: GasMeter
) -> list[Event]:
    """Run every message on ``store``; raise TxError (the whole tx fails) on the first error."""
    events: list[Event] = []
    for index, msg in enumerate(tx.msgs):
        gas.consume(genesis.gas_per_msg_send, "bank send")
        try:
            msg_events = _send(store, msg)
        except TxError as exc:
            raise TxError(
                exc.code, f"failed to execute message; message index: {index}: {exc.detail}"
            ) from None
        events.extend(with_msg_index(msg_events, index))
    return events
