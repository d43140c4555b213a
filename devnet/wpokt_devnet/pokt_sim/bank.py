"""Message execution: ``MsgSend`` as the v0.50 bank keeper runs it (DeliverTx only)."""

from __future__ import annotations

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.accounts import AccountStore
from wpokt_devnet.pokt_sim.addresses import AddressError, normalize
from wpokt_devnet.pokt_sim.ante import FEE_COLLECTOR
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.events import Event, coin_move_events
from wpokt_devnet.pokt_sim.messages import MsgSend, coins_str, valid_denom

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


def send(store: AccountStore, msg: MsgSend) -> list[Event]:
    """``MsgServer.Send``: move the coins; the events of ``bank.SendCoins``."""
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
    return coin_move_events(msg.from_address, msg.to_address, coins_str(msg.amount))
