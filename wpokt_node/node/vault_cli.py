"""``wpokt-node vault create-group|show``: set up and inspect the group vault on Pocket.

``create-group`` builds (and with ``--broadcast`` sends, from this node's member account) the
one-time ``MsgCreateGroupWithPolicy``: the configured N member accounts with weight 1, a
threshold policy of ``cluster.threshold`` with ``pocket.group.voting_period_s`` and no minimum
execution delay, and the policy as the admin of the group and of itself, so every later change
needs T of N votes. It prints the vault (policy) address to put in ``pocket.vault_address``.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from wpokt_node.config import load_config, load_config_before_vault
from wpokt_node.keys.sources import load_signer
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_msgs import create_group_with_policy
from wpokt_node.pokt.group_vault import member_addresses, send_group_creation, vault_view
from wpokt_node.pokt.member_tx import MemberAccount

WAIT_S = 60.0


def register(commands: Any) -> None:
    vault = commands.add_parser("vault", help="the Pocket group vault: create it, inspect it")
    actions = vault.add_subparsers(dest="vault_command", metavar="ACTION")

    create = actions.add_parser(
        "create-group",
        help="build (and with --broadcast send) the one-time creation of the group vault",
    )
    create.add_argument("--config", required=True, type=Path)
    create.add_argument(
        "--broadcast", action="store_true", help="send it from this node's member account"
    )
    create.set_defaults(handler=_create_group)

    show = actions.add_parser(
        "show", help="members, threshold, windows, balances and open proposals of the vault"
    )
    show.add_argument("--config", required=True, type=Path)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_show)


def _create_group(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    signer = load_signer(settings.keys.pokt_signer, purpose="pokt_signer", node_id=settings.node_id)
    client = PocketClient(settings.pocket.rest_url, timeout_s=settings.pocket.rpc_timeout_s)
    pocket = settings.pocket
    member = MemberAccount(
        client,
        signer,
        chain_id=pocket.chain_id,
        fee=Coin(pocket.denom, pocket.fee_upokt),
        gas_limit=pocket.gas_limit,
    )
    message = create_group_with_policy(
        member.address,
        member_addresses(settings),
        threshold=settings.cluster.threshold,
        voting_period=timedelta(seconds=pocket.group.voting_period_s),
    )
    if not args.broadcast:
        print(json.dumps(json_format.MessageToDict(message), indent=2))
        print(f"not sent: rerun with --broadcast to send it from {member.address}")
        return 0
    tx_hash, address = send_group_creation(member, message, wait_s=WAIT_S)
    print(f"group vault created in tx {tx_hash}")
    print(f"vault address (pocket.vault_address): {address}")
    return 0


def _show(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    signer = load_signer(settings.keys.pokt_signer, purpose="pokt_signer", node_id=settings.node_id)
    client = PocketClient(settings.pocket.rest_url, timeout_s=settings.pocket.rpc_timeout_s)
    view = vault_view(client, settings, signer.public_key)
    policy = view.policy
    if args.json:
        data = {
            "vault": view.vault,
            "balance": str(view.balance),
            "group_id": policy.group_id if policy else None,
            "threshold": policy.threshold if policy else None,
            "voting_period_s": policy.voting_period.total_seconds()
            if policy and policy.voting_period
            else None,
            "admin": policy.admin if policy else None,
            "group_admin": view.group_admin,
            "members": {a: {"weight": w, "balance": str(b)} for a, (w, b) in view.members.items()},
            "open_proposals": [
                {"id": p.id, "status": p.status.value, "title": p.title} for p in view.proposals
            ],
            "problems": view.problems,
        }
        print(json.dumps(data, indent=2, sort_keys=True))
        return 1 if view.problems else 0
    print(f"vault       {view.vault}  balance {view.balance} {settings.pocket.denom}")
    if policy is None:
        for problem in view.problems:
            print(f"PROBLEM     {problem}")
        return 1
    print(
        f"policy      group {policy.group_id}, threshold {policy.threshold} of "
        f"{len(view.members)}, voting period {policy.voting_period}, "
        f"min execution {policy.min_execution_period}, policy admin {policy.admin}, "
        f"group admin {view.group_admin}"
    )
    for address, (weight, balance) in view.members.items():
        print(f"member      {address}  weight {weight}  balance {balance}")
    print(f"proposals   {len(view.proposals)} in state")
    for proposal in view.proposals:
        print(f"  {proposal.id:>6} {proposal.status.value:<26} {proposal.title}")
    for problem in view.problems:
        print(f"PROBLEM     {problem}")
    return 1 if view.problems else 0
