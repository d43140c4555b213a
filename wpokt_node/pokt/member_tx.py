"""This node's own member account of a group vault: single-key transactions it signs and pays.

Every group message a node sends (submit a proposal, vote, exec) is a ``SIGN_MODE_DIRECT``
transaction of its member account, so the vault itself never pays a fee. The account's
sequence is the chain's, plus the transactions this process sent that are not in a block yet
(the mempool's check state accepts them in order); a "wrong sequence" answer (code 32) resets
it from the expected value the chain names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf import any_pb2

from wpokt_node.addresses import address_from_secp256k1_pubkey
from wpokt_node.errors import ChainError, NotReadyError
from wpokt_node.keys.signer import Secp256k1Signer
from wpokt_node.logs import get_logger
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.direct_tx import SignedTx, direct_tx, sign_direct

log = get_logger(__name__)

CODE_INSUFFICIENT_FUNDS = 5  # cosmos-sdk types/errors/errors.go
CODE_INSUFFICIENT_FEE = 13
CODE_TX_IN_CACHE = 19
CODE_WRONG_SEQUENCE = 32
_EXPECTED_SEQUENCE = re.compile(r"expected (\d+), got (\d+)")


class MemberCannotPayError(NotReadyError):
    """The member account has no funds for the fee: fund it (the other members carry on)."""


@dataclass(frozen=True, slots=True)
class PreparedTx:
    signed: SignedTx
    sequence: int


class MemberAccount:
    """Builds, signs and broadcasts this node's member transactions (one process uses it)."""

    def __init__(
        self,
        client: PocketClient,
        signer: Secp256k1Signer,
        *,
        chain_id: str,
        fee: Coin,
        gas_limit: int,
    ) -> None:
        self.client = client
        self.signer = signer
        self.chain_id = chain_id
        self.fee = fee
        self.gas_limit = gas_limit
        self.address = address_from_secp256k1_pubkey(signer.public_key)
        self._next_sequence = 0
        self._lock = threading.Lock()

    def prepare(self, messages: Sequence[any_pb2.Any], memo: str = "") -> PreparedTx:
        """Sign a transaction at the next sequence without sending it (record it first)."""
        account = self.client.account(self.address)
        if account is None:
            log.error("member account not on chain", alert=True, member=self.address)
            raise MemberCannotPayError(
                f"member account {self.address} does not exist on chain: fund it to vote"
            )
        with self._lock:
            sequence = max(account.sequence, self._next_sequence)
        unsigned = direct_tx(
            public_key=self.signer.public_key,
            messages=messages,
            chain_id=self.chain_id,
            account_number=account.account_number,
            sequence=sequence,
            fee=self.fee,
            gas_limit=self.gas_limit,
            memo=memo,
        )
        return PreparedTx(sign_direct(self.signer, unsigned), sequence)

    def broadcast(self, prepared: PreparedTx) -> str:
        """Send a prepared tx; returns its hash. Raises when the chain refuses it."""
        result = self.client.broadcast(prepared.signed.tx_bytes)
        if result.code in (0, CODE_TX_IN_CACHE):
            with self._lock:
                self._next_sequence = max(self._next_sequence, prepared.sequence + 1)
            return prepared.signed.tx_hash
        if result.code == CODE_WRONG_SEQUENCE:
            match = _EXPECTED_SEQUENCE.search(result.raw_log)
            with self._lock:
                self._next_sequence = int(match[1]) if match else 0
            raise NotReadyError(f"member account sequence moved on: {result.raw_log[:200]}")
        if result.code == CODE_INSUFFICIENT_FEE:
            log.error("member tx fee too low", alert=True, raw_log=result.raw_log[:300])
            raise ChainError(
                f"the chain wants a higher fee than pocket.fee_upokt ({self.fee.amount}): "
                f"{result.raw_log[:200]}"
            )
        if result.code == CODE_INSUFFICIENT_FUNDS:
            log.error(
                "member account cannot pay the fee",
                alert=True,
                member=self.address,
                fee=str(self.fee.amount),
                raw_log=result.raw_log[:300],
            )
            raise MemberCannotPayError(
                f"member account {self.address} cannot pay the fee of {self.fee.amount}"
                f"{self.fee.denom}: fund it ({result.raw_log[:200]})"
            )
        raise ChainError(
            f"Pocket refused the member tx: code {result.code} {result.codespace}: "
            f"{result.raw_log[:300]}"
        )

    def send(self, messages: Sequence[any_pb2.Any], memo: str = "") -> str:
        """Sign and send at once; a wrong-sequence refusal is retried once at the chain's value."""
        try:
            return self.broadcast(self.prepare(messages, memo))
        except MemberCannotPayError:
            raise
        except NotReadyError:
            return self.broadcast(self.prepare(messages, memo))
