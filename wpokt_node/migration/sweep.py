"""Move the POKT of a retired legacy multisig vault into the group vault, signed offline by
T of its old keys: ``build`` (a plan file: the ``MsgSend`` and the multisig), ``sign`` (one
old key holder's signature file), ``send`` (``sweep_tx``: assemble, broadcast, wait).

The sweep is one vault send (``ReleaseSpec``: the SIGN_MODE_LEGACY_AMINO_JSON doc of cosmos-sdk
``x/auth/migrations/legacytx/stdsign.go``) of the old vault's balance less one fee to the group
vault; the old vault pays the fee (``accounts`` counts it). The nodes do not take the sweep for
a deposit (``DepositRules.own_vaults``). Every refusal names the step to run first; nothing
here writes to the shared database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.addresses import normalize
from wpokt_node.config import RetiredVaultSettings, Settings
from wpokt_node.db.schema import BURNS, MINTS, OPEN_STATUSES, REFUNDS, Status
from wpokt_node.errors import DatabaseError, ValidationError, WpoktError
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.release_order import order_document, spec_from_order
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc, sign_release
from wpokt_node.pokt.vault_sweeps import SWEEP_MEMO_PREFIX

Document = dict[str, Any]
PLAN_KIND = "wpokt-retired-vault-sweep"
SIGNATURE_KIND = "wpokt-retired-vault-sweep-signature"
WAIT_S = 60.0


class MigrationError(WpoktError):
    """A migration step refused: its message names what to do first."""


def sweep_memo(destination: str) -> str:
    return SWEEP_MEMO_PREFIX + destination


def retired_vault(
    settings: Settings, address: str | None
) -> tuple[RetiredVaultSettings, MultisigPubKey]:
    """The retired vault to sweep (``address``, or the only one configured) and its multisig,
    checked to be exactly the configured address."""
    retired = settings.pocket.retired_vaults
    chosen = [v for v in retired if address is None or v.address == address]
    if not retired:
        raise MigrationError("pocket.retired_vaults is empty: name the old vault in the config")
    if len(chosen) != 1:
        names = ", ".join(v.address for v in retired)
        raise MigrationError(f"name one of the retired vaults with --retired ({names})")
    vault = chosen[0]
    multisig = MultisigPubKey.from_hex_keys(vault.threshold, vault.member_public_keys)
    if multisig.address() != vault.address:
        raise MigrationError(
            f"retired vault {vault.address} is not the {vault.threshold}-of-"
            f"{len(vault.member_public_keys)} multisig of its member_public_keys "
            f"({multisig.address()})"
        )
    return vault, multisig


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """One ``MsgSend`` of the old vault's whole balance less the fee, which the old vault pays
    (its multisig must be the only signer: mainnet's ``tx_sig_limit`` of 7 counts every key of
    a 7-key multisig, so no second signer can pay it)."""

    spec: ReleaseSpec
    multisig: MultisigPubKey

    @property
    def digest(self) -> str:
        """sha256 of the sign doc (what each signature file names)."""
        return hashlib.sha256(build_release_sign_doc(self.spec)).hexdigest()

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": PLAN_KIND,
                "order": order_document(self.spec),
                "threshold": self.multisig.threshold,
                "member_public_keys": [k.hex() for k in self.multisig.public_keys],
                "sign_doc_sha256": self.digest,
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> SweepPlan:
        try:
            data = json.loads(text)
            if data.get("kind") != PLAN_KIND:
                raise ValueError(f"not a sweep plan (kind {data.get('kind')!r})")
            spec = spec_from_order(data["order"])
            multisig = MultisigPubKey.from_hex_keys(
                int(data["threshold"]), [str(k) for k in data["member_public_keys"]]
            )
        except (ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
            raise MigrationError(f"unreadable sweep plan: {exc}") from None
        if multisig.address() != spec.vault_address:
            raise MigrationError("the plan's multisig is not the vault it sends from")
        return cls(spec, multisig)

    def describe(self) -> str:
        spec = self.spec
        return (
            f"send {spec.amount}{spec.denom} from the {self.multisig.threshold}-of-"
            f"{self.multisig.size} vault {spec.vault_address} to {spec.recipient}, fee "
            f"{spec.fee_amount}{spec.denom} from the old vault (account {spec.account_number}, "
            f"sequence {spec.sequence}, chain {spec.chain_id}, memo {spec.memo!r})"
        )


def old_system_open(db: Database[Document], settings: Settings, vault: str) -> list[str]:
    """Entries the old system has not finished: its payouts from ``vault`` started or signed
    and not executed, and entries of sources before the cut-over (deposits into ``vault``
    below its ``start_height``, burns below ``ethereum.start_block``) not closed. The database
    may hide some: this is the drain's progress, the cut-over heights are its guarantee."""
    retired = {v.address: v for v in settings.pocket.retired_vaults}[vault]
    started = [Status.STARTED.value, Status.SIGNED.value]
    queries: list[tuple[str, dict[str, Any]]] = [
        (BURNS, {"status": {"$in": started}, "order.from": vault}),
        (REFUNDS, {"status": {"$in": started}, "order.from": vault}),
        (MINTS, {"vault_address": vault, "height": {"$lt": retired.start_height}}),
        (REFUNDS, {"vault_address": vault, "height": {"$lt": retired.start_height}}),
        (BURNS, {"height": {"$lt": settings.ethereum.start_block}}),
    ]
    found: dict[str, None] = {}
    try:
        for collection, query in queries:
            still_open = {"status": {"$in": list(OPEN_STATUSES)}, **query}
            for doc in db[collection].find(still_open, projection={"_id": 1, "status": 1}):
                found[f"{collection}/{doc['_id']} ({doc.get('status')})"] = None
    except PyMongoError as exc:
        raise DatabaseError(f"reading the old system's open entries failed: {exc}") from None
    return list(found)


def build_sweep(
    settings: Settings,
    *,
    pokt: PocketClient,
    db: Database[Document],
    retired: RetiredVaultSettings,
    multisig: MultisigPubKey,
) -> SweepPlan:
    """The sweep of the old vault's balance into ``pocket.vault_address``, or MigrationError
    naming what must happen first. The caller checks the group vault and the controller."""
    pocket = settings.pocket
    if pokt.latest_height() < retired.start_height:
        raise MigrationError(
            f"the cut-over has not come yet: Pocket is below height {retired.start_height}"
        )
    in_flight = old_system_open(db, settings, retired.address)
    if in_flight:
        raise MigrationError(
            f"{len(in_flight)} entries of the old system are still open "
            f"({', '.join(in_flight[:5])}): let the old cluster finish them before the sweep "
            "(a payout it signed could still run after the sweep)"
        )
    account = pokt.account(retired.address)
    balance = pokt.balance(retired.address, pocket.denom)
    if account is None or balance <= pocket.fee_upokt:
        raise MigrationError(
            f"nothing to sweep: the old vault {retired.address} holds {balance}{pocket.denom} "
            f"(one fee is {pocket.fee_upokt}{pocket.denom})"
        )
    spec = ReleaseSpec(
        chain_id=pocket.chain_id,
        account_number=account.account_number,
        sequence=account.sequence,
        vault_address=retired.address,
        recipient=pocket.vault_address,
        amount=balance - pocket.fee_upokt,
        memo=sweep_memo(pocket.vault_address),
        fee_amount=pocket.fee_upokt,
        gas_limit=pocket.gas_limit,
        denom=pocket.denom,
    )
    return SweepPlan(spec, multisig)


@dataclass(frozen=True, slots=True)
class SweepSignature:
    public_key: bytes
    signature: bytes
    sign_doc_sha256: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": SIGNATURE_KIND,
                "public_key": self.public_key.hex(),
                "signature": self.signature.hex(),
                "sign_doc_sha256": self.sign_doc_sha256,
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str) -> SweepSignature:
        try:
            data = json.loads(text)
            if data.get("kind") != SIGNATURE_KIND:
                raise ValueError(f"not a sweep signature (kind {data.get('kind')!r})")
            return cls(
                bytes.fromhex(data["public_key"]),
                bytes.fromhex(data["signature"]),
                str(data["sign_doc_sha256"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MigrationError(f"{source}: unreadable sweep signature: {exc}") from None


def check_before_signing(
    plan: SweepPlan, settings: Settings, pokt: PocketClient, expected_destination: str
) -> list[str]:
    """What an old key holder checks before signing, from their own old config and the chain;
    the problems (none: sign). The destination must be the address the new operators
    announced (out of band), an x/group policy that is its own admin with a majority
    threshold; the plan must send from this config's vault at its current account slot."""
    spec, problems = plan.spec, []
    if spec.recipient != normalize(expected_destination):
        problems.append(f"the plan pays {spec.recipient}, not {expected_destination}")
    if spec.vault_address != settings.pocket.vault_address:
        problems.append(f"the plan sends from {spec.vault_address}, not this config's vault")
    if spec.chain_id != settings.pocket.chain_id or spec.memo != sweep_memo(spec.recipient):
        problems.append("the plan's chain id or memo is not a sweep's")
    if spec.fee_amount > settings.pocket.fee_upokt:
        problems.append(f"the plan's fee {spec.fee_amount} exceeds this config's fee_upokt")
    account = pokt.account(spec.vault_address)
    slot = (account.account_number, account.sequence) if account else None
    if slot != (spec.account_number, spec.sequence):
        problems.append(f"the plan is for account slot {spec.account_number}/{spec.sequence}, "
                        f"the chain is at {slot}: stale or forged")  # fmt: skip
    if pokt.balance(spec.vault_address, spec.denom) < spec.amount + spec.fee_amount:
        problems.append("the old vault holds less than the plan sends")
    return problems + _destination_problems(GroupReader(pokt), spec.recipient)


def _destination_problems(reader: GroupReader, destination: str) -> list[str]:
    policy = reader.policy(destination)
    if policy is None:
        return [f"the destination {destination} is not an x/group policy on chain"]
    group = reader.group(policy.group_id)
    members = reader.members(policy.group_id)
    problems = []
    if policy.admin != destination or group is None or group.admin != destination:
        problems.append("the destination group vault is not its own admin")
    if policy.threshold is None or 2 * policy.threshold <= len(members):
        problems.append(f"the destination's threshold {policy.threshold} of {len(members)} "
                        "members is not a majority")  # fmt: skip
    if any(weight != "1" for weight in members.values()):
        problems.append("the destination has members whose weight is not 1")
    return problems


def signed_above(journal: SigningJournal, plan: SweepPlan) -> list[str]:
    """Payouts of the old vault this key signed at a sequence above the sweep's: they would
    survive it (only the sweep's own sequence dies), so the key signs no sweep while any is
    live. An old node's journal keeps them (``payout.journal``)."""
    found = []
    for event, order in journal.live_orders():
        sequence = order.get("sequence")
        ours = order.get("from") == plan.spec.vault_address
        if ours and isinstance(sequence, int) and sequence > plan.spec.sequence:
            found.append(f"{event} at sequence {sequence}")
    return found


def sign_sweep(plan: SweepPlan, signer: Secp256k1Signer) -> SweepSignature:
    if plan.multisig.index_of(signer.public_key) is None:
        raise MigrationError("this key is not one of the old vault's keys: nothing to sign")
    signature = sign_release(signer, build_release_sign_doc(plan.spec))
    return SweepSignature(signer.public_key, signature, plan.digest)
