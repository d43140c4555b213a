"""Free a mint nonce held by an entry that can never gather the threshold of signatures.

The token executes a recipient's nonces one after the other, so a mint entry whose payload at
nonce N can never be signed by T validators (their journals hold another payload for its
deposit, its signers were rotated out, ...) stops every later mint of that recipient. The
nodes never drop such a payload on their own: a payload some validators signed could still
gather the rest, so preparing the entry again for another nonce could pay its deposit twice.

The way out is to *use* nonce N on chain with a mint of nothing: the *filler* MintData
``(recipient, 0, N)``. Once it is executed the chain proves every other payload at N dead
(``custody.mint_chain``), so the stuck entry is prepared again for a new nonce and paid once,
and the mints behind it go on. A filler moves no value (zero wPOKT, no fee: the production
token's fee of 0 is 0), so signing one can never pay anything twice.

Only an operator's command signs a filler (``wpokt-node admin free-nonce``), never a worker
and never on a request found in the database: each node's command checks the chain on its
own RPC (N is the recipient's next nonce), records the filler in its signing journal under
its own event, signs it with the node's validator key and stores the signature in
``control``. ``--send`` on any node submits it once the threshold of current validators'
signatures is stored. The database only carries signatures, which every sender checks; what
it says about the entries only makes the command refuse pointless fillers.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wpokt_node.custody.eth_mint import EthMintCustody
from wpokt_node.db import leases
from wpokt_node.db.models import Entry, SignatureRecord
from wpokt_node.db.query import eq
from wpokt_node.db.schema import CONTROL, MINTS, Status
from wpokt_node.errors import DatabaseError, SigningError, ValidationError
from wpokt_node.eth.mint_order import checksum
from wpokt_node.mint.executor import EXECUTOR_LEASE
from wpokt_node.payout.journal import SigningJournal

Document = dict[str, Any]
FILLER_KIND = "mint_filler"
_NUMBERED = [Status.STARTED.value, Status.SIGNED.value]  # the open statuses that hold a nonce


class FillerRefusedError(ValidationError):
    """The filler would free nothing, or the chain says it is not this nonce's to free."""


@dataclass(frozen=True, slots=True)
class Filler:
    """The zero mint that uses ``nonce`` of ``recipient``."""

    recipient: str
    nonce: int
    order: Mapping[str, Any]

    @property
    def event(self) -> str:
        """Its event in the signing journal: no deposit or burn has this shape."""
        return f"filler:{self.recipient}:{self.nonce}"

    @property
    def doc_id(self) -> str:
        return f"mint-filler:{self.recipient}:{self.nonce}"


@dataclass(frozen=True, slots=True)
class Finding:
    """What this node read before signing: the chain's nonce, the entries that hold and wait
    on the nonce (from the database, so only to refuse a pointless filler), the signatures
    stored so far."""

    filler: Filler
    chain_nonce: int
    holder_summary: str
    waiting: tuple[str, ...]
    signers: tuple[str, ...]  # validator addresses with a valid filler signature stored
    threshold: int  # the MintController's

    def describe(self) -> str:
        waiting = ", ".join(self.waiting) or "none"
        signers = ", ".join(self.signers) or "none"
        return (
            f"nonce {self.filler.nonce} of {self.filler.recipient} (the chain's nonce is "
            f"{self.chain_nonce}); held by {self.holder_summary}; waiting behind it: {waiting}; "
            f"filler signed by {len(self.signers)} of {self.threshold} needed ({signers})"
        )


def filler_for(custody: EthMintCustody, recipient: str, nonce: int) -> Filler:
    if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 1:
        raise ValidationError(f"--nonce must be a positive integer, not {nonce!r}")
    address = checksum(recipient, "--recipient")
    return Filler(address, nonce, custody.domain.order(address, 0, nonce))


def examine(custody: EthMintCustody, db: Database[Document], filler: Filler) -> Finding:
    """Refuse (``FillerRefusedError``) unless the filler can execute next and would unblock a
    mint; else what this node found."""
    chain_nonce = custody.token.get_user_nonce(filler.recipient)
    if chain_nonce >= filler.nonce:
        raise FillerRefusedError(
            f"nonce {filler.nonce} of {filler.recipient} is already used on chain (its nonce "
            f"is {chain_nonce}): nothing to free"
        )
    if filler.nonce != chain_nonce + 1:
        raise FillerRefusedError(
            f"nonce {filler.nonce} is not the next one: the chain's nonce for "
            f"{filler.recipient} is {chain_nonce}, so nonce {chain_nonce + 1} executes first "
            "(free that one if it is stuck)"
        )
    threshold = custody.controller.signer_threshold()  # what executes, whatever the config
    holders, waiting = _open_mints(custody, db, filler)
    for entry, approvals in holders:
        if approvals >= threshold:
            raise FillerRefusedError(
                f"{MINTS} {entry.id} holds nonce {filler.nonce} with {approvals} valid "
                f"signatures of current validators (threshold {threshold}): it can execute; "
                "let the mint-executor send it"
            )
    if not holders and not any(e.signatures for e in waiting):
        raise FillerRefusedError(
            f"no open mint of {filler.recipient} holds nonce {filler.nonce} and none with "
            "signatures waits behind it: nothing is stuck (an unsigned mint above a free nonce "
            "is prepared again for it by the nodes themselves)"
        )
    holder = "; ".join(f"{MINTS} {e.id} ({e.status.value}, {n} of {threshold} valid "
                       "signatures)" for e, n in holders) or "no entry"  # fmt: skip
    valid = custody.valid_signatures(filler.order, stored_signatures(db, filler))
    return Finding(filler, chain_nonce, holder,
                   tuple(f"{MINTS} {e.id} (nonce {e.number}, {e.status.value})" for e in waiting),
                   tuple(s.signer for s in valid), threshold)  # fmt: skip


def _open_mints(
    custody: EthMintCustody, db: Database[Document], filler: Filler
) -> tuple[list[tuple[Entry, int]], list[Entry]]:
    """Open mints of the recipient at the nonce (with their valid approvals) and above it."""
    try:
        found = list(db[MINTS].find({"to_address": eq(filler.recipient),
                                     "status": {"$in": _NUMBERED}}))  # fmt: skip
    except PyMongoError as exc:
        raise DatabaseError(f"{MINTS}: read failed: {exc}") from None
    holders: list[tuple[Entry, int]] = []
    waiting: list[Entry] = []
    for document in found:
        try:
            entry = Entry.from_document(MINTS, document)
        except ValidationError:
            continue  # no node processes a malformed entry
        if entry.number == filler.nonce:
            approvals = custody.approvals(entry.order, entry.signatures) if entry.order else 0
            holders.append((entry, approvals))
        elif entry.number is not None and entry.number > filler.nonce:
            waiting.append(entry)
    return holders, sorted(waiting, key=lambda e: e.number or 0)


def sign(
    custody: EthMintCustody, journal: SigningJournal, db: Database[Document], filler: Filler
) -> SignatureRecord:
    """Record the filler in this node's journal, then sign it and store the signature."""
    verdict = journal.authorize(
        filler.event,
        custody.payload_hash(filler.order),
        f"nonce filler: 0 wPOKT to {filler.recipient} at nonce {filler.nonce}",
        filler.order,
    )
    if not verdict.may_sign:
        raise SigningError(f"this node's journal refuses the filler for {filler.event}")
    record = custody.sign(filler.order)
    _store(db, filler, record)
    return record


def _store(db: Database[Document], filler: Filler, record: SignatureRecord) -> None:
    signature = {f"signatures.{record.node_id}": record.to_document()}
    try:
        with contextlib.suppress(DuplicateKeyError):  # another node's signature came first
            db[CONTROL].insert_one({
                "_id": filler.doc_id, "kind": FILLER_KIND, "at_ms": int(time.time() * 1000),
                "recipient": filler.recipient, "nonce": filler.nonce, "signatures": {},
            })  # fmt: skip
        db[CONTROL].update_one({"_id": filler.doc_id}, {"$set": signature})
    except PyMongoError as exc:
        raise DatabaseError(f"{CONTROL}: storing the filler's signature failed: {exc}") from None


def stored_signatures(db: Database[Document], filler: Filler) -> list[SignatureRecord]:
    """Whatever the database holds for the filler: only checked signatures count."""
    try:
        document = db[CONTROL].find_one({"_id": filler.doc_id})
    except PyMongoError as exc:
        raise DatabaseError(f"{CONTROL}: reading the filler failed: {exc}") from None
    stored = (document or {}).get("signatures")
    if not isinstance(stored, dict):
        return []
    return [SignatureRecord.from_document(v) for v in stored.values() if isinstance(v, dict)]


def send(custody: EthMintCustody, db: Database[Document], filler: Filler) -> str:
    """Submit the filler with the stored signatures of current validators (NotReadyError when
    fewer than the threshold), wait for it; the tx hash. The tx is recorded before it is
    broadcast, over nothing or over a recorded tx that this node's RPC no longer knows (never
    mined, dropped), so two operators' sends are one."""
    holder = leases.holder_of(db, EXECUTOR_LEASE)
    if holder == custody.node_id:
        raise FillerRefusedError(
            "this node is the mint executor now and its gas key may have a mint tx in flight: "
            "send the filler from another node"
        )
    recorded = _recorded_tx(db, filler)
    if recorded is not None and _known(custody, recorded):
        raise FillerRefusedError(f"the filler was sent already, in tx {recorded}: wait for it")
    signed = custody.submission(filler.order, stored_signatures(db, filler))
    try:
        claimed = db[CONTROL].update_one(
            {"_id": filler.doc_id, "execution_tx_hash": recorded},
            {"$set": {"execution_tx_hash": signed.tx_hash}},
        )
    except PyMongoError as exc:
        custody.sender.release(signed)
        raise DatabaseError(f"{CONTROL}: recording the filler's tx failed: {exc}") from None
    if claimed.matched_count != 1:
        custody.sender.release(signed)
        raise FillerRefusedError("another operator recorded a send of the filler just now")
    custody.submitter.broadcast(signed)
    custody.submitter.wait(signed.tx_hash, custody.domain.mint_data(filler.order))
    return signed.tx_hash


def _recorded_tx(db: Database[Document], filler: Filler) -> str | None:
    try:
        document = db[CONTROL].find_one({"_id": filler.doc_id}) or {}
    except PyMongoError as exc:
        raise DatabaseError(f"{CONTROL}: reading the filler failed: {exc}") from None
    value = document.get("execution_tx_hash")
    return value if isinstance(value, str) else None


def _known(custody: EthMintCustody, tx_hash: str) -> bool:
    """The tx is mined or pending on this node's RPC."""
    if custody.eth.receipt(tx_hash) is not None:
        return True
    return custody.eth.request("eth_getTransactionByHash", [tx_hash]) is not None


def free_nonce(
    custody: EthMintCustody,
    journal: SigningJournal,
    db: Database[Document],
    filler: Filler,
    *,
    dry_run: bool,
    submit: bool,
    done: list[str],
) -> None:
    """``admin free-nonce``: examine, sign unless this node's key has a valid signature
    stored (not in a dry run), submit on ``submit``. Appends what happened to ``done``, so a
    failure after a step still tells what was done."""
    finding = examine(custody, db, filler)
    done.append(finding.describe())
    if not custody.controller.is_validator(custody.signer_address):
        raise FillerRefusedError(
            f"this node's key {custody.signer_address} is not a validator of the "
            "MintController: its signature would not count"
        )
    if dry_run:
        done.append("dry run: nothing signed or sent")
        return
    if custody.signer_address in finding.signers:
        done.append("this node's signature of the filler is stored already")
    else:
        sign(custody, journal, db, filler)
        done.append(f"signed the filler (0 wPOKT to {filler.recipient} at nonce {filler.nonce})")
    count = len(custody.valid_signatures(filler.order, stored_signatures(db, filler)))
    if not submit:
        more = ("run this command with --send on one node" if count >= finding.threshold
                else "more operators must run this command")  # fmt: skip
        done.append(f"{count} of {finding.threshold} signatures stored: {more}")
        return
    tx_hash = send(custody, db, filler)
    done.append(
        f"filler minted in tx {tx_hash}: nonce {filler.nonce} is used, so the mint that held "
        "it is prepared again for a new nonce and the mints behind it go on"
    )
