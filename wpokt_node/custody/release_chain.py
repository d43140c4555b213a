"""What Pocket says about a vault release: the tx that consumed its vault sequence.

The tx that used the release's sequence (found by its ``tx.acc_seq`` event) tells whether the
release landed, in whatever signature subset, or can never land. A hash that is not on chain
proves nothing: anyone can assemble another threshold subset of the public signatures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wpokt_node.custody.base import Outcome, OutcomeKind
from wpokt_node.custody.release_config import ReleaseConfig
from wpokt_node.errors import ChainError
from wpokt_node.logs import get_logger
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.release_memo import normalize_pokt_tx_hash
from wpokt_node.pokt.release_order import matches_release
from wpokt_node.pokt.release_spec import ReleaseSpec
from wpokt_node.pokt.responses import Account, event_attributes

log = get_logger(__name__)

FAILED_ON_CHAIN = "release tx failed on chain"  # the vault paid its fee


def consumed_sequence(found: Mapping[str, Any], account: str, sequence: int) -> bool:
    """Whether a tx result carries the ante handler's ``tx.acc_seq`` event of ``account`` at
    ``sequence``: only the inclusion that used the sequence has it (a result overwritten by the
    same bytes failing in the ante handler of a later block has no events)."""
    wanted = f"{account}/{sequence}"
    return any(a.get("acc_seq") == wanted for a in event_attributes(found, "tx"))


@dataclass(frozen=True, slots=True)
class ReleaseChain:
    config: ReleaseConfig
    pokt: PocketClient

    def vault_account(self) -> Account:
        account = self.pokt.account(self.config.vault)
        if account is None:
            raise ChainError(
                f"the vault {self.config.vault} does not exist on chain (never funded)"
            )
        return account

    def vault_sequence(self) -> int:
        account = self.pokt.account(self.config.vault)
        return 0 if account is None else account.sequence

    def outcome(self, spec: ReleaseSpec, recorded_hash: str | None, *, has_bytes: bool) -> Outcome:
        """What the chain says about the release ``spec`` (whose bytes may be recorded)."""
        if recorded_hash is not None:
            found = self.pokt.tx(recorded_hash)
            if found is not None and matches_release(found, spec):
                return self._included(found, spec)
        vault_sequence = self.vault_account().sequence
        if vault_sequence <= spec.sequence:
            if has_bytes:
                return Outcome(OutcomeKind.PENDING, recorded_hash, "not on chain yet")
            return Outcome(
                OutcomeKind.NOT_SUBMITTED,
                recorded_hash,
                "not on chain yet",
                next_in_line=vault_sequence == spec.sequence,
            )
        used_by = self.pokt.tx_at_sequence(self.config.vault, spec.sequence)
        if used_by is None:
            log.error(
                "vault sequence consumed by a tx this node cannot find; not proven dead",
                alert=True,
                sequence=spec.sequence,
            )
            return Outcome(OutcomeKind.PENDING, recorded_hash, "sequence consumed by an unknown tx")
        if matches_release(used_by, spec):
            return self._included(used_by, spec)
        return Outcome(
            OutcomeKind.DEAD,
            None,
            f"vault sequence {spec.sequence} was used by another tx {used_by.get('txhash')}",
        )

    def _included(self, found: Mapping[str, Any], spec: ReleaseSpec) -> Outcome:
        tx_hash = normalize_pokt_tx_hash(str(found.get("txhash", "")))
        code = int(found.get("code") or 0)
        if code != 0 and not consumed_sequence(found, self.config.vault, spec.sequence):
            # CometBFT's kv indexer keys results by hash: the same bytes failing again later
            # (in the ante handler, without events) overwrite the first, successful result.
            log.error(
                "release result without the sequence it used; not proven dead",
                alert=True,
                tx_hash=tx_hash,
                code=code,
            )
            return Outcome(OutcomeKind.PENDING, tx_hash, "ambiguous failed result", True)
        if code != 0:
            return Outcome(
                OutcomeKind.DEAD,
                tx_hash,
                f"{FAILED_ON_CHAIN} with code {code}: {str(found.get('raw_log'))[:200]}",
            )
        height = int(found.get("height") or 0)
        confirmations = max(0, self.pokt.latest_height() - height + 1)
        if confirmations < max(1, self.config.pokt_confirmations):
            return Outcome(OutcomeKind.PENDING, tx_hash, "included, not yet confirmed", True)
        return Outcome(
            OutcomeKind.EXECUTED, tx_hash, f"on chain at height {height} (sequence {spec.sequence})"
        )
