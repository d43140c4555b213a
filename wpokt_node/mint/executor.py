"""The mint executor: the payout state machine over ``mints`` with a mint back end (the
validators' multisig, or Copper) and the mint gates (daily cap, the MintController's limit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.custody.copper.mint import CopperMintCustody
from wpokt_node.custody.eth_mint import EthMintCustody
from wpokt_node.db.schema import MINTS
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.mint.gates import MintGates
from wpokt_node.payout.claims import ClaimQueue
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.machine import MachineSettings, PayoutMachine

Document = dict[str, Any]
EXECUTOR_LEASE = "mint-executor"


def mint_executor(
    *,
    settings: Settings,
    db: Database[Document],
    journal: SigningJournal,
    custody: EthMintCustody | CopperMintCustody,
    controller: ControllerContract | None,
    paused: Callable[[], str | None],
    executor_lease: str = EXECUTOR_LEASE,
    claims: ClaimQueue | None = None,
) -> PayoutMachine:
    return PayoutMachine(
        db=db,
        journal=journal,
        custodies={MINTS: custody},
        settings=MachineSettings.of(settings, settings.workers.mint_executor, executor_lease),
        paused=paused,
        claims=claims,
        gates=MintGates(
            db=db,
            node_id=settings.node_id,
            daily_cap=settings.caps.daily_mint_cap_upokt,
            lease_ttl_s=settings.workers.lease_ttl_s,
            controller=controller,
            token=custody.token,
        ),
    )
