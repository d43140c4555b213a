"""``/cosmos.authz.v1beta1.MsgExec``, enough of it for deposits made through authz.

As cosmos-sdk v0.50 to v0.53 run it (``x/authz/keeper/msg_server.go`` ``Exec``,
``x/authz/keeper/keeper.go`` ``DispatchActions``): the tx signer is the ``grantee``; each inner
message runs as its own single signer (the granter) when that granter has granted the grantee
the message type, or without any grant when granter and grantee are the same account
("implicitly accept"); the inner handler's events are emitted with ``authz_msg_index``.

The simulator keeps no grants (no ``MsgGrant``): an inner message signed by anyone but the
grantee fails like a missing grant (codespace ``authz``, code 2). Inner messages are decoded
like tx body messages, a ``MsgExec`` inside a ``MsgExec`` included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from cosmpy.protos.cosmos.authz.v1beta1 import tx_pb2 as authz_tx_pb2
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.group_tx import Msg, decode_msg

MSG_EXEC_TYPE_URL = "/cosmos.authz.v1beta1.MsgExec"
AUTHZ = "authz"
NO_AUTHORIZATION = 2  # x/authz/errors.go ErrNoAuthorizationFound


@dataclass(frozen=True, slots=True)
class MsgAuthzExec:
    type_url: ClassVar[str] = MSG_EXEC_TYPE_URL

    grantee: str
    msgs: tuple[Msg | MsgAuthzExec, ...]

    @property
    def signers(self) -> list[str]:
        return [self.grantee]

    def check_grants(self) -> None:
        """Every inner message must be the grantee's own (the simulator keeps no grants)."""
        if not self.msgs:
            raise TxError(codes.INVALID_REQUEST, "messages cannot be empty")
        for msg in self.msgs:
            if len(msg.signers) != 1:
                raise TxError(
                    codes.UNAUTHORIZED, "authorization can be given to msg with only one signer"
                )
            granter = msg.signers[0]
            if granter != self.grantee:
                raise TxError(
                    NO_AUTHORIZATION,
                    f"failed to get grant with given granter: {granter}, grantee: "
                    f"{self.grantee} & msgType: {msg.type_url} ",
                    codespace=AUTHZ,
                )


TxMsg = Msg | MsgAuthzExec


def decode_tx_msg(any_msg: any_pb2.Any) -> TxMsg:
    """A tx body (or ``MsgExec``) message; TxError code 2 for an unknown or undecodable one."""
    if any_msg.type_url != MSG_EXEC_TYPE_URL:
        return decode_msg(any_msg)
    try:
        message = authz_tx_pb2.MsgExec.FromString(any_msg.value)
    except DecodeError as exc:
        raise TxError(codes.TX_DECODE, f"cannot decode {MSG_EXEC_TYPE_URL}: {exc}") from None
    return MsgAuthzExec(message.grantee, tuple(decode_tx_msg(inner) for inner in message.msgs))


def exec_response(results: list[bytes]) -> any_pb2.Any:
    response: Any = authz_tx_pb2.MsgExecResponse(results=results)
    return any_pb2.Any(
        type_url="/cosmos.authz.v1beta1.MsgExecResponse", value=response.SerializeToString()
    )
