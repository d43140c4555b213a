"""The release executor: the payout state machine over ``burns`` and ``refunds`` (vault
releases), with the Pocket vault's back end: a group policy (proposals and votes from this
node's member account), a legacy multisig (one vault sequence per release), or a Copper vault
(one Copper order per release, co-signed through this node's CUO). Burn payouts
and refunds share the member account's or the vault's sequence, so one machine moves both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.database import Database

from wpokt_node.config import PocketCustody, Settings
from wpokt_node.custody.base import Custody
from wpokt_node.custody.copper.account import CopperAccount
from wpokt_node.custody.copper.release import CopperReleaseCustody
from wpokt_node.custody.pokt_group import PoktGroupCustody, member_account
from wpokt_node.custody.pokt_multisig import PoktMultisigCustody
from wpokt_node.custody.release_base import ReleaseNode
from wpokt_node.custody.release_config import ReleaseConfig, ReleaseKind
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.payout.claims import ClaimQueue
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
    claims: ClaimQueue | None = None,
) -> PayoutMachine:
    config = ReleaseConfig.from_settings(settings)
    nodes = {
        kind: ReleaseNode(
            kind, config, db, pokt, eth, settings.node_id, settings.workers.lease_ttl_s
        )
        for kind in ReleaseKind
    }
    custodies: dict[str, Custody]
    if config.custody is PocketCustody.COPPER and settings.copper is not None:
        account = CopperAccount.from_settings(settings)
        custodies = {
            kind.collection: CopperReleaseCustody(
                node,
                account=account,
                currency=settings.copper.pokt_currency,
                min_payout=settings.copper.min_payout_upokt,
            )
            for kind, node in nodes.items()
        }
    elif config.custody is PocketCustody.GROUP:
        member = member_account(config, pokt, pokt_signer)
        custodies = {
            kind.collection: PoktGroupCustody(node, member=member) for kind, node in nodes.items()
        }
    else:
        custodies = {
            kind.collection: PoktMultisigCustody(node, signer=pokt_signer)
            for kind, node in nodes.items()
        }
    return PayoutMachine(
        db=db,
        journal=journal,
        custodies=custodies,
        settings=MachineSettings.of(settings, settings.workers.release_executor, executor_lease),
        paused=paused,
        claims=claims,
    )
