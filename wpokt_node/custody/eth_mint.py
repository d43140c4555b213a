"""The multisig custody back end for mints: EIP-712 MintData signed by the validators, executed
as ``MintController.mintWrappedPocket`` with the node's gas key.

The order stored at ``started`` is ``{recipient, amount (str), nonce, chain_id, controller}``.
Every node rebuilds it from the entry's source event on *its own* RPCs and its own config (a
deposit on Pocket, or a burn to return on Ethereum: ``custody.mint_sources``); only the nonce
comes from the entry, and it must still be able to execute (above the chain's nonce).
A nonce is reserved for one entry (lease + ``reservations``); it passes to another entry only
when its holder can no longer use it (``db.reservations``), and an entry gets a new one only
when the chain used its nonce for a different MintData.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from wpokt_node.config import Settings
from wpokt_node.custody.base import (
    Gap,
    Outcome,
    Prepared,
    RebuildMismatchError,
    RecordExecution,
    SourceCheck,
    UnpayableError,
)
from wpokt_node.custody.burn_return import BurnReturnSource
from wpokt_node.custody.mint_chain import MintChain, execution_fields, recorded_raw_tx
from wpokt_node.custody.mint_gas import GasEscalation
from wpokt_node.custody.mint_sources import DepositSource, MintSources
from wpokt_node.custody.number_gaps import VouchedHolders, first_gap
from wpokt_node.custody.source_window import SourceWindow
from wpokt_node.db import leases, reservations
from wpokt_node.db.models import Entry, RetiredOrder, SignatureRecord
from wpokt_node.db.schema import MINTS, Status
from wpokt_node.errors import (
    DatabaseError,
    NotReadyError,
    SigningError,
    ValidationError,
)
from wpokt_node.eth.client import EthClient, RpcError
from wpokt_node.eth.confirmations import ConfirmationPolicy
from wpokt_node.eth.contracts import ControllerContract, TokenContract
from wpokt_node.eth.eip712 import mint_data_digest, recover_mint_signer, sign_mint_data
from wpokt_node.eth.mint import MintSubmitter
from wpokt_node.eth.mint_order import MintDomain, checksum
from wpokt_node.eth.transactions import SignedTransaction, TransactionSender
from wpokt_node.keys.signer import Secp256k1Signer, eth_address_of
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient

log = get_logger(__name__)

Document = dict[str, Any]
MEMBERSHIP_TTL_S = 60.0  # how long a validator's membership read from the controller is reused
# what a holder's verification reads of it (the source fields, its nonce and order)
HOLDER_FIELDS = (
    "transaction_hash", "height", "from_address", "to_address", "amount", "memo", "source",
    "source_event", "burn_index", "burn_recipient", "reason", "nonce", "order",
)  # fmt: skip
_ALREADY_SENT = ("already known", "already imported", "known transaction", "nonce too low")


class EthMintCustody:
    """``custody.base.Custody`` for mints (multisig back end)."""

    execution_fields = ("execution_tx_raw", "execution_tx_sender", "execution_tx_nonce")
    number_field = "nonce"
    payload_names_source = False

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database[Document],
        pokt: PocketClient,
        eth: EthClient,
        token: TokenContract,
        controller: ControllerContract,
        eth_signer: Secp256k1Signer,
        gas_sender: TransactionSender,
    ) -> None:
        self.settings = settings
        self.db = db
        self.pokt = pokt
        self.eth = eth
        self.token = token
        self.controller = controller
        self.eth_signer = eth_signer
        self.sender = gas_sender
        self.gas = GasEscalation(gas_sender, settings.ethereum.gas_escalate_after_s)
        self.submitter = MintSubmitter(
            controller, token, gas_sender, settings.ethereum.gas_limit_mint
        )
        self.domain = MintDomain(
            settings.ethereum.chain_id, checksum(controller.address, "mint controller")
        )
        self.signer_address = eth_address_of(eth_signer.public_key)
        self.validators = frozenset(settings.accepted_validators())
        self._membership: dict[str, tuple[bool, float]] = {}  # signer -> (on chain, read at)
        policy = ConfirmationPolicy.from_setting(settings.ethereum.confirmations)
        self.chain = MintChain(
            eth, token, policy, settings.ethereum.start_block, settings.ethereum.scan_chunk_size
        )
        self.sources = MintSources(
            deposit=DepositSource(settings, pokt),
            burn_return=BurnReturnSource(
                eth=eth,
                pokt=pokt,
                token_address=settings.ethereum.token_address,
                policy=policy,
                vaults=(
                    settings.pocket.vault_address,
                    *(v.address for v in settings.pocket.retired_vaults),
                ),
                window=SourceWindow.from_settings(settings),
            ),
        )
        self._vouched = VouchedHolders(HOLDER_FIELDS)

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    # -- the source event: a deposit, or a burn to return -------------------------------------

    def source_event(self, entry: Entry) -> str:
        return self.sources.of(entry).source_event(entry)

    def check_source(self, entry: Entry) -> SourceCheck:
        return self.sources.of(entry).check(entry)

    # -- prepare: allocate the nonce -----------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        recipient = checksum(entry.to_address, "recipient")
        if entry.amount <= 0:
            raise UnpayableError("a mint needs a positive amount")
        lease = f"{reservations.MINT_NONCE}:{recipient}"
        with leases.held(self.db, lease, self.node_id, self.settings.workers.lease_ttl_s):
            nonce = reservations.reserve(
                self.db,
                kind=reservations.MINT_NONCE,
                scope=recipient,
                collection=MINTS,
                entry_id=entry.id,
                number_field=self.number_field,
                # a nonce the chain used is never prepared again
                first=self.token.get_user_nonce(recipient) + 1,
                taken=self._open_nonces(recipient),
            )
        return Prepared(self.domain.order(recipient, entry.amount, nonce), nonce)

    def _open_nonces(self, recipient: str) -> set[int]:
        try:
            found = self.db[MINTS].find(
                {
                    "to_address": recipient,
                    "status": {"$in": [Status.STARTED.value, Status.SIGNED.value]},
                },
                projection={"nonce": 1},
            )
            return {n for n in (doc.get("nonce") for doc in found) if type(n) is int}
        except PyMongoError as exc:
            raise DatabaseError(f"mints: read failed: {exc}") from None

    # -- rebuild: the signing rule's independent view ------------------------------------------

    def rebuild(self, entry: Entry) -> dict[str, Any]:
        claim = self.sources.of(entry).claim(entry)
        if not claim.confirmed:
            raise NotReadyError(
                f"source event has {claim.confirmations} confirmations on this node, not enough"
            )
        nonce = entry.number
        if nonce is None or nonce < 1:
            raise RebuildMismatchError(f"stored nonce {nonce!r} is not a positive integer")
        order = self.domain.order(claim.recipient, claim.amount, nonce)
        reservation = reservations.holder(
            self.db, reservations.MINT_NONCE, order["recipient"], nonce
        )
        if not reservations.is_reserved_for(reservation, MINTS, entry.id):
            raise RebuildMismatchError(
                f"nonce {nonce} of {claim.recipient} is not the nonce allocated to this entry"
            )
        chain_nonce = self.token.get_user_nonce(claim.recipient)
        if nonce <= chain_nonce and self.chain.minted_event(self.domain.mint_data(order)) is None:
            raise RebuildMismatchError(
                f"nonce {nonce} is not above the chain's nonce {chain_nonce} for "
                f"{claim.recipient}, and it was not used by this mint"
            )
        return order

    def gap_below(self, entry: Entry) -> Gap | None:
        nonce = entry.number
        if nonce is None:
            return None
        recipient = checksum(entry.to_address, "recipient")
        return first_gap(
            self.db,
            kind=reservations.MINT_NONCE,
            scope=recipient,
            number_field=self.number_field,
            chain_next=self.token.get_user_nonce(recipient) + 1,
            number=nonce,
            verify=self._verify_holder,
        )

    def pays_source(self, entry: Entry, order: Mapping[str, Any]) -> bool:
        try:
            claim = self.sources.of(entry).claim(entry)
            nonce = self.domain.mint_data(order).nonce
        except (RebuildMismatchError, ValidationError):
            return False
        return dict(order) == self.domain.order(claim.recipient, claim.amount, nonce)

    def _verify_holder(self, holder: Entry) -> str | None:
        """Why this node cannot vouch for the open mint ``holder`` (None: it can)."""
        if self._vouched.knows(holder):
            return None
        try:
            claim = self.sources.of(holder).claim(holder)
        except RebuildMismatchError as mismatch:
            return mismatch.reason
        if holder.number is None or holder.order != self.domain.order(
            claim.recipient, claim.amount, holder.number
        ):
            return "its order is not the one its source event implies"
        if claim.confirmed:
            self._vouched.remember(holder)
        return None

    # -- payload, signatures -------------------------------------------------------------------

    def digest(self, order: Mapping[str, Any]) -> bytes:
        data = self.domain.mint_data(order)
        return mint_data_digest(
            self.domain.chain_id, self.domain.controller, data.recipient, data.amount, data.nonce
        )

    def payload_hash(self, order: Mapping[str, Any]) -> str:
        return "0x" + self.digest(order).hex()

    def sign(self, order: Mapping[str, Any]) -> SignatureRecord:
        data = self.domain.mint_data(order)
        signature = sign_mint_data(
            self.eth_signer,
            self.domain.chain_id,
            self.domain.controller,
            data.recipient,
            data.amount,
            data.nonce,
        )
        return SignatureRecord(self.node_id, self.signer_address, "0x" + signature.hex())

    def sign_again(self, entry: Entry) -> bool:
        return False  # a signature stored on the entry is the signature

    def approvals(self, order: Mapping[str, Any], records: Sequence[SignatureRecord]) -> int:
        return len({s.signer for s in self.valid_signatures(order, records)})

    def valid_signatures(
        self, order: Mapping[str, Any], records: Sequence[SignatureRecord]
    ) -> list[SignatureRecord]:
        """Validator signatures over this node's digest of ``order``, one per signer, sorted by
        signer address ascending (the contract's order)."""
        try:
            digest = self.digest(order)
        except (ValidationError, SigningError):
            return []
        by_signer: dict[str, SignatureRecord] = {}
        for record in records:
            try:
                signature = bytes.fromhex(record.signature.removeprefix("0x"))
                signer = recover_mint_signer(digest, signature)
                recorded = checksum(record.signer, "recorded signer")
            except (ValueError, SigningError, ValidationError):
                continue
            if signer != recorded or signer not in self.validators or signer in by_signer:
                continue
            if not self._current_validator(signer):
                continue
            by_signer[signer] = SignatureRecord(record.node_id, signer, record.signature)
        return [by_signer[s] for s in sorted(by_signer, key=lambda a: int(a, 16))]

    # -- execution and outcome -----------------------------------------------------------------

    def decided(self, entry: Entry, order: Mapping[str, Any]) -> Outcome | None:
        return self.chain.used_nonce(self.domain.mint_data(order))

    def execute(
        self,
        entry: Entry,
        order: Mapping[str, Any],
        signatures: Sequence[SignatureRecord],
        record: RecordExecution,
    ) -> str | None:
        signed = self.submission(order, signatures)
        recorded = record(signed.tx_hash, execution_fields(signed))
        if not recorded:
            self.sender.release(signed)
            log.info("mint execution not recorded; not broadcasting", entry_id=str(entry.id))
            return None
        self.sender.broadcast(signed)
        self.gas.sent(signed.tx_hash)
        log.info("mint broadcast", entry_id=str(entry.id), tx_hash=signed.tx_hash)
        return signed.tx_hash

    def submission(
        self, order: Mapping[str, Any], signatures: Sequence[SignatureRecord]
    ) -> SignedTransaction:
        """The simulated and signed ``mintWrappedPocket`` tx of ``order`` with the valid
        signatures of current validators (NotReadyError below the threshold), not broadcast."""
        chosen = self._current_signatures(self.valid_signatures(order, signatures))
        return self.submitter.prepare(self.domain.mint_data(order), chosen)

    def _current_validator(self, address: str) -> bool:
        """Whether the controller has ``address`` as a validator (re-read every
        ``MEMBERSHIP_TTL_S``): a signature of a validator removed since it signed no longer
        counts, so the entry is signed again by the others."""
        now = time.monotonic()
        cached = self._membership.get(address)
        if cached is None or now - cached[1] >= MEMBERSHIP_TTL_S:
            cached = (self.controller.is_validator(address), now)
            self._membership[address] = cached
        return cached[0]

    def _current_signatures(self, valid: Sequence[SignatureRecord]) -> list[bytes]:
        """The signatures to submit: of validators the controller has *now* (the set may have
        changed since they were made), as many as its threshold asks, in ascending signer
        order. The deployed controller skips others silently; ours reverts on them."""
        threshold = self.settings.cluster.threshold
        if len(valid) < threshold:
            raise NotReadyError(f"{len(valid)} valid signatures, threshold is {threshold}")
        state = self.controller.validator_state([s.signer for s in valid])
        now = time.monotonic()
        for signer, member in state.membership.items():
            self._membership[signer] = (member, now)
        current = [s for s in valid if state.membership.get(s.signer, False)]
        if len(current) < state.threshold or state.threshold == 0:
            log.error(
                "not enough signatures of current validators",
                alert=True,
                current=len(current),
                chain_threshold=state.threshold,
                gone=[s.signer for s in valid if s not in current],
            )
            raise NotReadyError(
                f"{len(current)} signatures are from current validators, the controller's "
                f"threshold is {state.threshold}"
            )
        return [bytes.fromhex(s.signature.removeprefix("0x")) for s in current[: state.threshold]]

    def rebroadcast(self, entry: Entry, record: RecordExecution) -> str:
        """Replace this node's stuck tx with higher fees (``custody/mint_gas.py``), or send the
        recorded raw execution tx again (the same bytes, so the same hash)."""
        tx_hash = entry.execution_tx_hash or ""
        raw = recorded_raw_tx(entry)
        if raw is None:
            raise ValidationError("execution_tx_raw does not hash to execution_tx_hash")
        stuck = self.gas.reason(raw)
        if stuck is not None:
            log.info("mint tx stuck", entry_id=str(entry.id), tx_hash=tx_hash, why=stuck)
            if self.gas.replace(entry, raw, record) is not None:
                return "replaced"
        try:
            self.eth.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        except RpcError as exc:
            if not any(marker in exc.rpc_message.lower() for marker in _ALREADY_SENT):
                raise
        log.info("mint rebroadcast", entry_id=str(entry.id), tx_hash=tx_hash)
        return "rebroadcast"

    def outcome(self, entry: Entry, order: Mapping[str, Any]) -> Outcome:
        return self.chain.outcome(entry, self.domain.mint_data(order))

    def proven_dead(self, retired: RetiredOrder) -> bool:
        try:
            data = self.domain.mint_data(retired.order)
        except ValidationError:
            return False
        return self.chain.proven_dead(data)

    def queue_key(self, entry: Entry) -> tuple[Any, ...]:
        return (entry.to_address, entry.number if entry.number is not None else 2**63)
