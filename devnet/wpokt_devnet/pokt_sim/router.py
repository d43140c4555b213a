"""DeliverTx message execution: each message of a tx routed to bank, x/group or x/authz
(``MsgExec``, ``authz``), as baseapp's
``runMsgs`` does (v0.50): a ``message`` event (action, sender, module) before the handler's
events, ``msg_index`` on every event of message i, one msg response per message in the tx
result's ``TxMsgData``. The first failing message fails the whole tx.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cosmpy.protos.cosmos.base.abci.v1beta1 import abci_pb2
from google.protobuf import any_pb2

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.accounts import AccountStore
from wpokt_devnet.pokt_sim.ante import GasMeter
from wpokt_devnet.pokt_sim.authz import MsgAuthzExec, exec_response
from wpokt_devnet.pokt_sim.bank import send
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.events import Event, event, with_msg_index
from wpokt_devnet.pokt_sim.genesis import Genesis
from wpokt_devnet.pokt_sim.group import GroupModule
from wpokt_devnet.pokt_sim.group_router import error_message, execute_group_msg, group_savepoint
from wpokt_devnet.pokt_sim.group_types import GroupError, NotFoundError
from wpokt_devnet.pokt_sim.messages import MsgSend
from wpokt_devnet.pokt_sim.tx import DecodedTx


class InnerMsgError(Exception):
    """A proposal's message failed (``doExecuteMsgs``): the execution result is FAILURE."""


@dataclass(slots=True)
class MsgContext:
    """What a message runs against: the tx's branch of the accounts and copy of x/group."""

    store: AccountStore
    groups: GroupModule
    genesis: Genesis
    gas: GasMeter
    now: datetime

    def run_inner(self, messages: Sequence[Any]) -> list[Event]:
        """A proposal's messages (``Packed``): sends on a branch of the store, group updates
        on the module with a savepoint; all of them or none (``doExecuteMsgs``)."""
        rollback = group_savepoint(self.groups)
        inner = MsgContext(self.store.branch(), self.groups, self.genesis, self.gas, self.now)
        events: list[Event] = []
        for position, packed in enumerate(messages):
            try:
                events += _run(inner, packed.msg)[0]
            except (TxError, GroupError, NotFoundError) as exc:
                rollback()
                if isinstance(exc, TxError) and exc.code == codes.OUT_OF_GAS:
                    raise
                text = exc.raw_log if isinstance(exc, TxError) else error_message(exc)
                raise InnerMsgError(
                    f"message {packed.type_url} at position {position}: {text}"
                ) from None
        inner.store.commit()
        return events


def _message_event(type_url: str, signers: list[str]) -> Event:
    module = {MsgSend.type_url: "bank", MsgAuthzExec.type_url: "authz"}.get(type_url, "group")
    sender = (("sender", signers[0]),) if signers else ()
    return event("message", ("action", type_url), *sender, ("module", module))


def _run_authz(ctx: MsgContext, msg: MsgAuthzExec) -> tuple[list[Event], any_pb2.Any]:
    """``DispatchActions``: each inner message as its own signer, its events with
    ``authz_msg_index``; the first failure fails the tx."""
    msg.check_grants()
    events: list[Event] = []
    results: list[bytes] = []
    for index, inner in enumerate(msg.msgs):
        inner_events, response = _run(ctx, inner)
        tagged = ("authz_msg_index", str(index))
        events += [Event(e.type, (*e.attributes, tagged)) for e in inner_events]
        results.append(response.value)
    return events, exec_response(results)


def _run(ctx: MsgContext, msg: Any) -> tuple[list[Event], any_pb2.Any]:
    if isinstance(msg, MsgAuthzExec):
        return _run_authz(ctx, msg)
    if isinstance(msg, MsgSend):
        ctx.gas.consume(ctx.genesis.gas_per_msg_send, "bank send")
        response = any_pb2.Any(type_url="/cosmos.bank.v1beta1.MsgSendResponse")
        return send(ctx.store, msg), response
    ctx.gas.consume(ctx.genesis.gas_per_group_msg, "group msg")
    return execute_group_msg(ctx, msg)


def execute_msgs(ctx: MsgContext, tx: DecodedTx) -> tuple[list[Event], str]:
    """Run every message; (events, TxMsgData hex). Raise TxError on the first failure."""
    events: list[Event] = []
    responses: list[any_pb2.Any] = []
    for index, msg in enumerate(tx.msgs):
        prefix = f"failed to execute message; message index: {index}"
        try:
            msg_events, response = _run(ctx, msg)
        except GroupError as exc:
            raise TxError(exc.code, f"{prefix}: {exc}", codespace=exc.codespace) from None
        except NotFoundError as exc:
            raise TxError(codes.NOT_FOUND, f"{prefix}: {exc.detail}") from None
        except TxError as exc:
            if exc.code == codes.OUT_OF_GAS:
                raise
            raise TxError(exc.code, f"{prefix}: {exc.detail}", codespace=exc.codespace) from None
        message = _message_event(msg.type_url, msg.signers)
        events.extend(with_msg_index([message, *msg_events], index))
        responses.append(response)
    data: bytes = abci_pb2.TxMsgData(msg_responses=responses).SerializeToString()
    return events, data.hex().upper()
