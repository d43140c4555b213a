"""The x/group messages the simulator executes, decoded from a tx body.

Each message knows its signers: the field ``cosmos.msg.v1.signer`` names in
``proto/cosmos/group/v1/tx.proto`` (admin, proposers - every one of them -, voter, executor,
address). A decision policy must be a ``ThresholdDecisionPolicy`` and a proposal may carry
``MsgSend``s and the group admin updates (members, admins, decision policy); anything else
fails to decode (code 2), like an unregistered type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from cosmpy.protos.cosmos.group.v1 import tx_pb2 as group_tx_pb2
from cosmpy.protos.cosmos.group.v1 import types_pb2 as group_types_pb2
from google.protobuf import any_pb2, json_format
from google.protobuf.message import DecodeError

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.messages import MSG_SEND_TYPE_URL, MsgSend, decode_msg_send

GROUP = "/cosmos.group.v1."
THRESHOLD_POLICY_TYPE_URL = GROUP + "ThresholdDecisionPolicy"


@dataclass(frozen=True, slots=True)
class ThresholdPolicy:
    threshold: str  # a decimal string in the SDK; the simulator takes whole numbers
    voting_period: timedelta
    min_execution_period: timedelta

    def to_json(self) -> dict[str, Any]:
        return {
            "@type": THRESHOLD_POLICY_TYPE_URL,
            "threshold": self.threshold,
            "windows": {
                "voting_period": duration_json(self.voting_period),
                "min_execution_period": duration_json(self.min_execution_period),
            },
        }


def duration_json(value: timedelta) -> str:
    """protobuf JSON of a Duration: ``"86400s"``, ``"1.500s"``."""
    micros = round(value.total_seconds() * 1_000_000)
    seconds, fraction = divmod(micros, 1_000_000)
    if not fraction:
        return f"{seconds}s"
    if fraction % 1000 == 0:
        return f"{seconds}.{fraction // 1000:03d}s"
    return f"{seconds}.{fraction:06d}s"


@dataclass(frozen=True, slots=True)
class MemberRequest:
    address: str
    weight: str
    metadata: str


@dataclass(frozen=True, slots=True)
class MsgCreateGroupWithPolicy:
    type_url: ClassVar[str] = GROUP + "MsgCreateGroupWithPolicy"
    admin: str
    members: tuple[MemberRequest, ...]
    group_metadata: str
    group_policy_metadata: str
    group_policy_as_admin: bool
    policy: ThresholdPolicy

    @property
    def signers(self) -> list[str]:
        return [self.admin]


@dataclass(frozen=True, slots=True)
class MsgSubmitProposal:
    type_url: ClassVar[str] = GROUP + "MsgSubmitProposal"
    group_policy_address: str
    proposers: tuple[str, ...]
    metadata: str
    messages: tuple[Packed, ...]
    exec_try: bool
    title: str
    summary: str

    @property
    def signers(self) -> list[str]:
        return list(self.proposers)


@dataclass(frozen=True, slots=True)
class MsgVote:
    type_url: ClassVar[str] = GROUP + "MsgVote"
    proposal_id: int
    voter: str
    option: int
    metadata: str
    exec_try: bool

    @property
    def signers(self) -> list[str]:
        return [self.voter]


@dataclass(frozen=True, slots=True)
class MsgExec:
    type_url: ClassVar[str] = GROUP + "MsgExec"
    proposal_id: int
    executor: str

    @property
    def signers(self) -> list[str]:
        return [self.executor]


@dataclass(frozen=True, slots=True)
class MsgWithdrawProposal:
    type_url: ClassVar[str] = GROUP + "MsgWithdrawProposal"
    proposal_id: int
    address: str

    @property
    def signers(self) -> list[str]:
        return [self.address]


@dataclass(frozen=True, slots=True)
class MsgUpdateGroupMembers:
    type_url: ClassVar[str] = GROUP + "MsgUpdateGroupMembers"
    admin: str
    group_id: int
    member_updates: tuple[MemberRequest, ...]

    @property
    def signers(self) -> list[str]:
        return [self.admin]


@dataclass(frozen=True, slots=True)
class MsgUpdateGroupAdmin:
    type_url: ClassVar[str] = GROUP + "MsgUpdateGroupAdmin"
    admin: str
    group_id: int
    new_admin: str

    @property
    def signers(self) -> list[str]:
        return [self.admin]


@dataclass(frozen=True, slots=True)
class MsgUpdateGroupPolicyAdmin:
    type_url: ClassVar[str] = GROUP + "MsgUpdateGroupPolicyAdmin"
    admin: str
    group_policy_address: str
    new_admin: str

    @property
    def signers(self) -> list[str]:
        return [self.admin]


@dataclass(frozen=True, slots=True)
class MsgUpdateGroupPolicyDecisionPolicy:
    type_url: ClassVar[str] = GROUP + "MsgUpdateGroupPolicyDecisionPolicy"
    admin: str
    group_policy_address: str
    policy: ThresholdPolicy

    @property
    def signers(self) -> list[str]:
        return [self.admin]


GroupMsg = (
    MsgCreateGroupWithPolicy
    | MsgSubmitProposal
    | MsgVote
    | MsgExec
    | MsgWithdrawProposal
    | MsgUpdateGroupMembers
    | MsgUpdateGroupAdmin
    | MsgUpdateGroupPolicyAdmin
    | MsgUpdateGroupPolicyDecisionPolicy
)
Msg = MsgSend | GroupMsg


def _unresolved(type_url: str) -> TxError:
    return TxError(codes.TX_DECODE, f"unable to resolve type URL {type_url}")


def _duration(value: Any) -> timedelta:
    return timedelta(seconds=int(value.seconds), microseconds=int(value.nanos) // 1000)


def _policy(value: any_pb2.Any) -> ThresholdPolicy:
    if value.type_url != THRESHOLD_POLICY_TYPE_URL:
        raise _unresolved(value.type_url)
    policy = group_types_pb2.ThresholdDecisionPolicy.FromString(value.value)
    windows = policy.windows
    return ThresholdPolicy(
        policy.threshold,
        _duration(windows.voting_period),
        _duration(windows.min_execution_period),
    )


def _members(values: Any) -> tuple[MemberRequest, ...]:
    return tuple(MemberRequest(m.address, m.weight, m.metadata) for m in values)


def _create(raw: bytes) -> MsgCreateGroupWithPolicy:
    m = group_tx_pb2.MsgCreateGroupWithPolicy.FromString(raw)
    return MsgCreateGroupWithPolicy(
        m.admin,
        _members(m.members),
        m.group_metadata,
        m.group_policy_metadata,
        m.group_policy_as_admin,
        _policy(m.decision_policy),
    )


@dataclass(frozen=True, slots=True)
class Packed:
    """A proposal's message: decoded, plus its ``Any`` bytes (for JSON and the state file)."""

    msg: Msg
    type_url: str
    value: bytes

    @property
    def signers(self) -> list[str]:
        return self.msg.signers

    def to_json(self) -> dict[str, Any]:
        rendered: dict[str, Any] = json_format.MessageToDict(
            any_pb2.Any(type_url=self.type_url, value=self.value),
            preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True,
        )
        return rendered


# What a proposal may carry: payouts and the policy's own admin messages (docs §2).
INNER_TYPE_URLS = frozenset(
    {
        MSG_SEND_TYPE_URL,
        GROUP + "MsgUpdateGroupMembers",
        GROUP + "MsgUpdateGroupAdmin",
        GROUP + "MsgUpdateGroupPolicyAdmin",
        GROUP + "MsgUpdateGroupPolicyDecisionPolicy",
    }
)


def pack(value: any_pb2.Any) -> Packed:
    if value.type_url not in INNER_TYPE_URLS:
        raise _unresolved(value.type_url)
    return Packed(decode_msg(value), value.type_url, bytes(value.value))


def _submit(raw: bytes) -> MsgSubmitProposal:
    m = group_tx_pb2.MsgSubmitProposal.FromString(raw)
    return MsgSubmitProposal(
        m.group_policy_address,
        tuple(m.proposers),
        m.metadata,
        tuple(pack(inner) for inner in m.messages),
        m.exec == group_tx_pb2.EXEC_TRY,
        m.title,
        m.summary,
    )


def _vote(raw: bytes) -> MsgVote:
    m = group_tx_pb2.MsgVote.FromString(raw)
    return MsgVote(m.proposal_id, m.voter, m.option, m.metadata, m.exec == group_tx_pb2.EXEC_TRY)


def _exec(raw: bytes) -> MsgExec:
    m = group_tx_pb2.MsgExec.FromString(raw)
    return MsgExec(m.proposal_id, m.executor)


def _withdraw(raw: bytes) -> MsgWithdrawProposal:
    m = group_tx_pb2.MsgWithdrawProposal.FromString(raw)
    return MsgWithdrawProposal(m.proposal_id, m.address)


def _members_update(raw: bytes) -> MsgUpdateGroupMembers:
    m = group_tx_pb2.MsgUpdateGroupMembers.FromString(raw)
    return MsgUpdateGroupMembers(m.admin, m.group_id, _members(m.member_updates))


def _group_admin(raw: bytes) -> MsgUpdateGroupAdmin:
    m = group_tx_pb2.MsgUpdateGroupAdmin.FromString(raw)
    return MsgUpdateGroupAdmin(m.admin, m.group_id, m.new_admin)


def _policy_admin(raw: bytes) -> MsgUpdateGroupPolicyAdmin:
    m = group_tx_pb2.MsgUpdateGroupPolicyAdmin.FromString(raw)
    return MsgUpdateGroupPolicyAdmin(m.admin, m.group_policy_address, m.new_admin)


def _decision_policy(raw: bytes) -> MsgUpdateGroupPolicyDecisionPolicy:
    m = group_tx_pb2.MsgUpdateGroupPolicyDecisionPolicy.FromString(raw)
    return MsgUpdateGroupPolicyDecisionPolicy(
        m.admin, m.group_policy_address, _policy(m.decision_policy)
    )


_DECODERS: dict[str, Callable[[bytes], GroupMsg]] = {
    MsgCreateGroupWithPolicy.type_url: _create,
    MsgSubmitProposal.type_url: _submit,
    MsgVote.type_url: _vote,
    MsgExec.type_url: _exec,
    MsgWithdrawProposal.type_url: _withdraw,
    MsgUpdateGroupMembers.type_url: _members_update,
    MsgUpdateGroupAdmin.type_url: _group_admin,
    MsgUpdateGroupPolicyAdmin.type_url: _policy_admin,
    MsgUpdateGroupPolicyDecisionPolicy.type_url: _decision_policy,
}


def decode_msg(any_msg: any_pb2.Any) -> Msg:
    """A tx body message; TxError code 2 for an unknown type or undecodable bytes."""
    if any_msg.type_url == MSG_SEND_TYPE_URL:
        return decode_msg_send(any_msg)
    decoder = _DECODERS.get(any_msg.type_url)
    if decoder is None:
        raise _unresolved(any_msg.type_url)
    try:
        return decoder(any_msg.value)
    except DecodeError as exc:
        raise TxError(codes.TX_DECODE, f"cannot decode {any_msg.type_url}: {exc}") from None
