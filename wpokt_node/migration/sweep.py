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

from wpokt_node.config import RetiredVaultSettings, Settings
from wpokt_node.db.schema import BURNS, REFUNDS, Status
from wpokt_node.errors import DatabaseError, ValidationError, WpoktError
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.multisig import MultisigPubKey
from wpokt_node.pokt.release_order import order_document, spec_from_order
from wpokt_node.pokt.release_spec import ReleaseSpec, build_release_sign_doc, sign_release

Document = dict[str, Any]
PLAN_KIND = "wpokt-retired-vault-sweep"
SIGNATURE_KIND = "wpokt-retired-vault-sweep-signature"
WAIT_S = 60.0


class MigrationError(WpoktError):
    """A migration step refused: its message names what to do first."""


SWEEP_MEMO_PREFIX = "wpokt migration: sweep to "


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


def open_payouts(db: Database[Document], vault: str) -> list[str]:
    """Burn payouts and refunds the old cluster started from ``vault`` and not finished."""
    open_statuses = [Status.STARTED.value, Status.SIGNED.value]
    found = []
    try:
        for collection in (BURNS, REFUNDS):
            query = {"status": {"$in": open_statuses}, "order.from": vault}
            for doc in db[collection].find(query, projection={"_id": 1, "status": 1}):
                found.append(f"{collection}/{doc['_id']} ({doc.get('status')})")
    except PyMongoError as exc:
        raise DatabaseError(f"reading the old vault's open payouts failed: {exc}") from None
    return found


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
    in_flight = open_payouts(db, retired.address)
    if in_flight:
        raise MigrationError(
            f"{len(in_flight)} payouts of the old vault are still in flight "
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


def check_destination(pokt: PocketClient, plan: SweepPlan) -> None:
    """What an old key holder checks before signing: the destination is an x/group policy
    account on chain (a vault no single key controls)."""
    if GroupReader(pokt).policy(plan.spec.recipient) is None:
        raise MigrationError(
            f"the sweep's destination {plan.spec.recipient} is not an x/group policy on chain"
        )


def sign_sweep(plan: SweepPlan, signer: Secp256k1Signer) -> SweepSignature:
    if plan.multisig.index_of(signer.public_key) is None:
        raise MigrationError("this key is not one of the old vault's keys: nothing to sign")
    signature = sign_release(signer, build_release_sign_doc(plan.spec))
    return SweepSignature(signer.public_key, signature, plan.digest)
