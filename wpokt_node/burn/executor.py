"""The release executor: the payout state machine over ``burns`` and ``refunds`` (vault
releases), with the Pocket multisig vault back end. Burn payouts and refunds share the vault's
sequence, so one machine moves both, in sequence order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.custody.pokt_multisig import PoktMultisigCustody
from wpokt_node.custody.release_config import ReleaseConfig, ReleaseKind
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.machine import MachineSettings, PayoutMachine
from wpokt_node.pokt.client import PocketClient

Document = dict[str, Any]
EXECUTOR_LEASE = "release-executor"


def release_executor(
    *,
    settings: Settings,
    db: Database[Document],
    journal: SigningJournal,
    pokt: PocketClient,
    eth: EthClient,
    pokt_signer: Secp256k1Signer,
    paused: Callable[[], str | None],
    executor_lease: str = EXECUTOR_LEASE,
) -> PayoutMachine:
    config = ReleaseConfig.from_settings(settings)
    custodies = {
        kind.collection: PoktMultisigCustody(
            kind,
            config=config,
            db=db,
            pokt=pokt,
            eth=eth,
            signer=pokt_signer,
            node_id=settings.node_id,
            lease_ttl_s=settings.workers.lease_ttl_s,
        )
        for kind in ReleaseKind
    }
    return PayoutMachine(
        db=db,
        journal=journal,
        custodies=custodies,
        settings=MachineSettings.of(settings, settings.workers.release_executor, executor_lease),
        paused=paused,
    )
