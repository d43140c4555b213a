"""The multisig custody back end for mints: EIP-712 MintData signed by the validators, executed
as ``MintController.mintWrappedPocket`` with the node's gas key. The nonces and the source
events are ``custody.mint_nonces``; the order's ``controller`` is the MintController.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.database import Database

from wpokt_node.config import Settings
from wpokt_node.custody.base import RecordExecution
from wpokt_node.custody.mint_chain import execution_fields, recorded_raw_tx
from wpokt_node.custody.mint_gas import GasEscalation
from wpokt_node.custody.mint_nonces import MintNonceCustody
from wpokt_node.db.models import Entry, SignatureRecord
from wpokt_node.errors import NotReadyError, SigningError, ValidationError
from wpokt_node.eth.client import EthClient, RpcError
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
_ALREADY_SENT = ("already known", "already imported", "known transaction", "nonce too low")


class EthMintCustody(MintNonceCustody):
    """``custody.base.Custody`` for mints (multisig back end)."""

    execution_fields = ("execution_tx_raw", "execution_tx_sender", "execution_tx_nonce")

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
        domain = MintDomain(
            settings.ethereum.chain_id, checksum(controller.address, "mint controller")
        )
        super().__init__(settings=settings, db=db, pokt=pokt, eth=eth, token=token, domain=domain)
        self.controller = controller
        self.eth_signer = eth_signer
        self.sender = gas_sender
        self.gas = GasEscalation(gas_sender, settings.ethereum.gas_escalate_after_s)
        self.submitter = MintSubmitter(
            controller, token, gas_sender, settings.ethereum.gas_limit_mint
        )
        self.signer_address = eth_address_of(eth_signer.public_key)
        self.validators = frozenset(settings.accepted_validators())
        self._membership: dict[str, tuple[bool, float]] = {}  # signer -> (on chain, read at)

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

    # -- execution ----------------------------------------------------------------------------

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
