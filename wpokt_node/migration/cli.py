"""``wpokt-node migrate``: take over a running bridge (a legacy multisig vault and a
MintController run by other validators), step by step, as docs/runbooks/migrate-from-5-of-7.md
describes. Each step reads the chains first and refuses, with the step to run first, when it
comes out of order or is already done (exit code 1).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wpokt_node.config import Settings, load_config_before_vault
from wpokt_node.db.client import connect_settings
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract, TokenContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.private_file import read_private_file
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.keys.sources import load_signer
from wpokt_node.migration.accounts import Books, read_books
from wpokt_node.migration.controller import (
    has_update_validators,
    switch_calls,
    switch_state,
)
from wpokt_node.migration.sweep import (
    MigrationError,
    SweepPlan,
    SweepSignature,
    build_sweep,
    check_before_signing,
    old_system_open,
    retired_vault,
    sign_sweep,
    signed_above,
)
from wpokt_node.migration.sweep_tx import send_sweep
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.group_vault import group_vault_problems
from wpokt_node.pokt.vault_sweeps import sweep_fees

ADMIN_CALL_GAS = 300_000


def register(commands: Any) -> None:
    migrate = commands.add_parser(
        "migrate", help="take over an old vault and MintController (runbook migrate-from-5-of-7)"
    )
    steps = migrate.add_subparsers(dest="migrate_command", metavar="STEP")

    status = steps.add_parser("status", help="where the migration stands, and the next step")
    status.add_argument("--config", required=True, type=Path, help="a new node's config")
    status.set_defaults(handler=_status)

    switch = steps.add_parser(
        "switch-controller", help="make this cluster's keys the MintController's validators"
    )
    switch.add_argument("--config", required=True, type=Path, help="a new node's config")
    switch.add_argument(
        "--remove", action="append", default=[], metavar="ADDRESS", help="an old validator"
    )
    how = switch.add_mutually_exclusive_group(required=True)
    how.add_argument("--admin-key-file", type=Path, help="hex key of the controller's admin (0600)")
    how.add_argument(
        "--print-calls", action="store_true", help="print the calls for the admin's wallet"
    )
    switch.set_defaults(handler=_switch_controller)

    sweep = steps.add_parser("sweep", help="move the old vault's POKT into the group vault")
    actions = sweep.add_subparsers(dest="sweep_command", metavar="ACTION")
    build = actions.add_parser("build", help="write the sweep plan (run with a new node's config)")
    build.add_argument("--config", required=True, type=Path)
    build.add_argument("--retired", metavar="ADDRESS", help="which retired vault (if several)")
    build.add_argument("--out", required=True, type=Path)
    build.set_defaults(handler=_sweep_build)
    sign = actions.add_parser("sign", help="sign the plan with an old vault key (old config)")
    sign.add_argument("--config", required=True, type=Path, help="the old node's config")
    sign.add_argument("--plan", required=True, type=Path)
    sign.add_argument(
        "--to", required=True, metavar="ADDRESS", help="the group vault the new operators announced"
    )
    sign.add_argument("--out", required=True, type=Path)
    sign.set_defaults(handler=_sweep_sign)
    send = actions.add_parser("send", help="assemble the signatures and broadcast the sweep")
    send.add_argument("--config", required=True, type=Path)
    send.add_argument("--plan", required=True, type=Path)
    send.add_argument("signatures", nargs="+", type=Path, metavar="SIGNATURE_FILE")
    send.set_defaults(handler=_sweep_send)

    verify = steps.add_parser(
        "verify", help="prove the books balance: supply against the vaults, every entry closed"
    )
    verify.add_argument("--config", required=True, type=Path)
    verify.set_defaults(handler=_verify)


def _pokt(settings: Settings) -> PocketClient:
    return PocketClient(settings.pocket.rest_url, timeout_s=settings.pocket.rpc_timeout_s)


def _controller(settings: Settings) -> tuple[EthClient, ControllerContract]:
    client = EthClient.from_settings(settings.ethereum)
    return client, ControllerContract(client, settings.ethereum.mint_controller_address)


def _vault_problems(settings: Settings, pokt: PocketClient) -> list[str]:
    first_member = bytes.fromhex(settings.pocket.member_public_keys[0])
    return group_vault_problems(GroupReader(pokt), settings, first_member)


def _require_vault(settings: Settings, pokt: PocketClient) -> None:
    problems = _vault_problems(settings, pokt)
    if problems:
        raise MigrationError(
            "the group vault is not ready (`wpokt-node vault create-group`, then "
            f"pocket.vault_address in every config): {'; '.join(problems)}"
        )


def _key_file(path: Path, what: str) -> LocalKeySigner:
    """A raw hex key from an owner-only file (refused if group or others may read it)."""
    return LocalKeySigner.from_hex(read_private_file(path, what=what).decode("ascii", "replace"))


def _controller_switched(settings: Settings, controller: ControllerContract) -> str | None:
    """None when the controller's validators are exactly this cluster's at its threshold."""
    state = switch_state(controller, settings.ethereum.validator_addresses, [])
    wanted = settings.cluster.threshold
    if state.new_missing or state.count != settings.cluster.nodes or state.threshold != wanted:
        return (
            f"the MintController has {state.count} validators at threshold {state.threshold}, "
            f"{len(state.new_missing)} of this cluster's {settings.cluster.nodes} missing "
            f"(wanted: exactly them at {wanted})"
        )
    return None


def _switch_controller(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    _require_vault(settings, _pokt(settings))
    client, controller = _controller(settings)
    state = switch_state(controller, settings.ethereum.validator_addresses, args.remove)
    atomic = has_update_validators(client, controller.address)
    calls = switch_calls(controller, state, settings.cluster.threshold, atomic=atomic)
    if args.print_calls:
        print(f"to {controller.address}, in this order, as one batch of the admin's wallet:")
        for call in calls:
            print(f"  {call.describe()}\n    data 0x{call.data.hex()}")
        return 0
    admin = LocalKeySigner.from_hex(
        read_private_file(args.admin_key_file, what="admin key").decode()
    )
    sender = TransactionSender(client, admin, settings.ethereum.chain_id)
    print(f"admin {eth_address_of(admin.public_key)}: {len(calls)} calls to {controller.address}")
    sender.simulate(controller.address, calls[0].data, ADMIN_CALL_GAS, calls[0].function)
    sent = []  # all at once, in nonce order: they land in this order, in a block or two
    for call in calls:
        signed = sender.sign(controller.address, call.data, ADMIN_CALL_GAS)
        sender.broadcast(signed)
        sent.append((call, signed.tx_hash))
    for call, tx_hash in sent:
        receipt = sender.check_receipt(sender.wait_for_receipt(tx_hash), call.describe())
        print(f"  {call.describe()}: tx {receipt.transaction_hash}")
    problem = _controller_switched(settings, controller)
    if problem:
        raise MigrationError(f"after the calls {problem}")
    print(f"the MintController now takes {settings.cluster.threshold} of this cluster's keys")
    return 0


def _sweep_build(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    pokt = _pokt(settings)
    _require_vault(settings, pokt)
    problem = _controller_switched(settings, _controller(settings)[1])
    if problem:
        raise MigrationError(f"{problem}: run `wpokt-node migrate switch-controller` first")
    retired, multisig = retired_vault(settings, args.retired)
    db = connect_settings(settings)
    try:
        plan = build_sweep(settings, pokt=pokt, db=db, retired=retired, multisig=multisig)
    finally:
        db.client.close()
    args.out.write_text(plan.to_json() + "\n", encoding="utf-8")
    print(f"plan written to {args.out}: {plan.describe()}")
    print(f"sign doc sha256 {plan.digest}; {multisig.threshold} old key holders sign it")
    return 0


def _sweep_sign(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    plan = SweepPlan.from_json(args.plan.read_text(encoding="utf-8"))
    print(f"the plan: {plan.describe()}")
    problems = check_before_signing(plan, settings, _pokt(settings), args.to)
    with SigningJournal(settings.journal_path, node_id=settings.node_id) as journal:
        live = signed_above(journal, plan)
    if live:
        problems.append(
            f"this key signed payouts of the old vault above the sweep's sequence, not executed "
            f"({', '.join(live[:5])}): they would survive the sweep; let the old cluster finish"
        )
    if problems:
        raise MigrationError("not signed: " + "; ".join(problems))
    signer = load_signer(settings.keys.pokt_signer, purpose="pokt_signer", node_id=settings.node_id)
    signature = sign_sweep(plan, signer)
    args.out.write_text(signature.to_json() + "\n", encoding="utf-8")
    print(f"signed by {pokt_address_of(signer.public_key)}")
    return 0


def _sweep_send(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    plan = SweepPlan.from_json(args.plan.read_text(encoding="utf-8"))
    if plan.spec.recipient != settings.pocket.vault_address:
        raise MigrationError(
            f"the plan pays {plan.spec.recipient}, not this cluster's vault "
            f"{settings.pocket.vault_address}"
        )
    signatures = [
        SweepSignature.from_json(path.read_text(encoding="utf-8"), source=str(path))
        for path in args.signatures
    ]
    tx = send_sweep(plan, signatures, _pokt(settings))
    print(f"swept in tx {tx}: {plan.describe()}")
    return 0


def _books(settings: Settings, pokt: PocketClient) -> Books:
    client = EthClient.from_settings(settings.ethereum)
    supply = TokenContract(client, settings.ethereum.token_address).total_supply()
    denom = settings.pocket.denom
    retired = {v.address: pokt.balance(v.address, denom) for v in settings.pocket.retired_vaults}
    fees = sum(sweep_fees(pokt, address, denom) for address in retired)
    vault = pokt.balance(settings.pocket.vault_address, denom)
    db = connect_settings(settings)
    try:
        return read_books(db, supply=supply, vault=vault, retired=retired, sweep_fees=fees)
    finally:
        db.client.close()


def _status(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    pokt = _pokt(settings)
    steps: list[tuple[str, str | None]] = []
    problems = _vault_problems(settings, pokt)
    steps.append(("group vault", "; ".join(problems) or None))
    steps.append(("MintController", _controller_switched(settings, _controller(settings)[1])))
    db = connect_settings(settings)
    try:
        for vault in settings.pocket.retired_vaults:
            in_flight = old_system_open(db, settings, vault.address)
            balance = pokt.balance(vault.address, settings.pocket.denom)
            todo = [f"{len(in_flight)} old entries open"] if in_flight else []
            todo += [f"holds {balance}{settings.pocket.denom}"] if balance else []
            steps.append((f"old vault {vault.address}", ", ".join(todo) or None))
    finally:
        db.client.close()
    for name, step in steps:
        print(f"{name:<24} {'TO DO: ' + step if step else 'done'}")
    books = _books(settings, pokt)
    print(
        f"books: supply {books.supply}, vault {books.vault}, retired {books.retired}, "
        f"kept {books.kept}, open {books.open_entries}, difference {books.difference:+d}"
    )
    return 0 if all(step is None for _, step in steps) else 1


def _verify(args: argparse.Namespace) -> int:
    settings = load_config_before_vault(args.config)
    books = _books(settings, _pokt(settings))
    print(f"supply {books.supply}, vault {books.vault}, retired vaults {books.retired}, "
          f"sweep fees {books.sweep_fees}, kept {books.kept}")  # fmt: skip
    for problem in books.problems():
        print(f"PROBLEM {problem}")
    if books.problems():
        return 1
    print("the books balance: every wPOKT is backed, every entry is closed")
    return 0
