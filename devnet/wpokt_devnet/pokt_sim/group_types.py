"""x/group types of the simulator: errors, enums, groups, policies, proposals, typed events.

Sources: cosmos-sdk v0.53.3 ``x/group`` (``types.proto``, ``errors/errors.go``, ``errors/orm.go``,
``types.go``); the facts are in docs/pocket-group.md.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from wpokt_devnet.pokt_sim.addresses import bech32_encode, module_address
from wpokt_devnet.pokt_sim.events import Event, event

CODESPACE = "group"  # x/group/errors/errors.go
ORM_CODESPACE, ERR_ORM_UNIQUE = "legacy_orm", 13  # x/group/errors/orm.go
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ERR_EMPTY, ERR_DUPLICATE, ERR_MAX_LIMIT, ERR_INVALID, ERR_UNAUTHORIZED, ERR_EXPIRED = (
    2,
    3,
    4,
    6,
    7,
    9,
)
MAX_METADATA_LEN = 255  # poktroll app/app_config.go: group.DefaultConfig()
MAX_EXECUTION_PERIOD = timedelta(days=14)
POLICY_TABLE_PREFIX = b"\x20"  # keeper.go GroupPolicyTablePrefix

RunMsgs = Callable[[Sequence[Any]], list[Event]]


class GroupError(Exception):
    """A group error: ``str()`` is the wrapping detail, the base message comes with the code."""

    def __init__(self, code: int, message: str, *, codespace: str = CODESPACE) -> None:
        self.code = code
        self.codespace = codespace
        super().__init__(message)


class NotFoundError(Exception):
    """The SDK's ErrNotFound (codespace sdk, code 38): ``load proposal: not found``."""

    @property
    def detail(self) -> str:
        return str(self).removesuffix(": not found").removesuffix("not found")


class Status(StrEnum):
    SUBMITTED = "PROPOSAL_STATUS_SUBMITTED"
    ACCEPTED = "PROPOSAL_STATUS_ACCEPTED"
    REJECTED = "PROPOSAL_STATUS_REJECTED"
    ABORTED = "PROPOSAL_STATUS_ABORTED"
    WITHDRAWN = "PROPOSAL_STATUS_WITHDRAWN"


class Result(StrEnum):
    NOT_RUN = "PROPOSAL_EXECUTOR_RESULT_NOT_RUN"
    SUCCESS = "PROPOSAL_EXECUTOR_RESULT_SUCCESS"
    FAILURE = "PROPOSAL_EXECUTOR_RESULT_FAILURE"


class Option(StrEnum):
    YES = "VOTE_OPTION_YES"
    ABSTAIN = "VOTE_OPTION_ABSTAIN"
    NO = "VOTE_OPTION_NO"
    NO_WITH_VETO = "VOTE_OPTION_NO_WITH_VETO"


def policy_derivation_keys(sequence: int) -> tuple[bytes, bytes]:
    return POLICY_TABLE_PREFIX, struct.pack(">Q", sequence)


def policy_address(sequence: int) -> str:
    """``address.Module("group", {0x20}, be64(seq))`` (``CreateGroupPolicy``; types/address)."""
    return bech32_encode("pokt", module_address("group", *policy_derivation_keys(sequence)))


def typed_event(name: str, **fields: object) -> Event:
    """``sdk.TypedEventToEvent``: one attribute per field, in key order, values as raw JSON."""
    return event(
        f"cosmos.group.v1.{name}",
        *((key, json.dumps(value)) for key, value in sorted(fields.items())),
    )


@dataclass
class Group:
    id: int
    admin: str
    members: dict[str, int]  # address -> weight
    version: int = 1
    metadata: str = ""
    created_at: datetime = EPOCH
    member_info: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # metadata, added


@dataclass
class Policy:
    address: str
    group_id: int
    admin: str
    threshold: int
    voting_period: timedelta
    min_execution_period: timedelta
    version: int = 1
    metadata: str = ""
    created_at: datetime = EPOCH
    sequence: int = 0  # the policy seq its address derives from


@dataclass(frozen=True)
class VoteInfo:
    option: Option
    submit_time: datetime
    metadata: str = ""


@dataclass
class Proposal:
    id: int
    policy: str
    proposers: list[str]
    messages: list[Any]
    title: str
    summary: str
    submit_time: datetime
    voting_period_end: datetime
    status: Status = Status.SUBMITTED
    result: Result = Result.NOT_RUN
    final_tally: dict[Option, int] = field(default_factory=dict)
    votes: dict[str, Option] = field(default_factory=dict)
    vote_info: dict[str, VoteInfo] = field(default_factory=dict)
    group_version: int = 0
    group_policy_version: int = 0
    metadata: str = ""


def tally_json(counts: dict[Option, int]) -> dict[str, str]:
    return {
        "yes_count": str(counts.get(Option.YES, 0)),
        "abstain_count": str(counts.get(Option.ABSTAIN, 0)),
        "no_count": str(counts.get(Option.NO, 0)),
        "no_with_veto_count": str(counts.get(Option.NO_WITH_VETO, 0)),
    }


def check_policy(threshold: int, voting_period: timedelta, min_execution_period: timedelta) -> None:
    """``ThresholdDecisionPolicy.ValidateBasic`` and ``Validate`` (x/group/types.go)."""
    if threshold <= 0:
        raise GroupError(ERR_INVALID, "threshold must be positive")
    if voting_period <= timedelta(0):
        raise GroupError(ERR_INVALID, "voting period cannot be zero")
    if min_execution_period > voting_period + MAX_EXECUTION_PERIOD:
        raise GroupError(ERR_INVALID, "min_execution_period should be smaller than voting_period")
