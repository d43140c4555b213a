"""The simulated chain: accounts, mempool, blocks, tx results and the tx index.

Faithful to the SDK v0.50 + CometBFT behaviour the node relies on:
- CheckTx (broadcast) runs only the ante handler against the check state (committed state
  plus the mempool's effects); a rejected tx is answered with its code and never stored.
- A block delivers each mempool tx: ante again, then the messages. A message failure
  (e.g. insufficient funds, code 5) keeps the ante effects (fee paid, sequence +1), is
  included in the block with its code, and only its ante events are indexed (fee transfer,
  tx events) - so a search on ``transfer.recipient`` never finds a failed send.
- Bytes already seen (in the mempool or committed) are refused with code 19 ("tx already
  in mempool"), as CometBFT's tx cache makes the SDK answer.
- x/group state (``GroupModule``) is copied per delivered tx and kept only if every message
  succeeds, like the accounts; its EndBlocker runs after the block's txs (block events).

Thread safety: every public method takes the state's lock.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from wpokt_devnet.pokt_sim import errors as codes
from wpokt_devnet.pokt_sim.accounts import Account, AccountStore
from wpokt_devnet.pokt_sim.ante import FEE_COLLECTOR, run_ante
from wpokt_devnet.pokt_sim.errors import TxError
from wpokt_devnet.pokt_sim.events import Event
from wpokt_devnet.pokt_sim.genesis import Genesis
from wpokt_devnet.pokt_sim.group import GroupModule
from wpokt_devnet.pokt_sim.group_router import create_genesis_group
from wpokt_devnet.pokt_sim.group_snapshot import group_snapshot, restore_groups
from wpokt_devnet.pokt_sim.keys import account_key_from_json
from wpokt_devnet.pokt_sim.records import Block, CheckResult, TxRecord
from wpokt_devnet.pokt_sim.router import MsgContext, execute_msgs
from wpokt_devnet.pokt_sim.search import Condition, matches
from wpokt_devnet.pokt_sim.tx import DecodedTx, decode_tx, tx_hash

Clock = Callable[[], datetime]
SNAPSHOT_VERSION = 2  # 2: x/group state, policy accounts, codespaces, block events
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class ChainState:
    def __init__(self, genesis: Genesis, clock: Clock = _now) -> None:
        self.genesis = genesis
        self._clock = clock
        self._lock = threading.RLock()
        self._accounts = AccountStore()
        self._groups = GroupModule()
        self._check = self._accounts.branch()
        self._mempool: list[DecodedTx] = []
        self._seen: set[str] = set()
        self._records: dict[str, TxRecord] = {}
        self._indexed_from: dict[int, float] = {}  # height -> monotonic time its txs show
        self._ordered: list[TxRecord] = []
        self._blocks: dict[int, Block] = {}
        self._height = genesis.start_height
        self._blocks[self._height] = Block(self._height, clock())
        self._init_accounts()

    def _init_accounts(self) -> None:
        explicit = {a.account_number for a in self.genesis.accounts if a.account_number is not None}
        next_free = 0
        for genesis_account in self.genesis.accounts:
            number = genesis_account.account_number
            if number is None:
                while next_free in explicit:
                    next_free += 1
                number = next_free
                next_free += 1
            account = self._accounts.create(genesis_account.address, account_number=number)
            account.balances.update(genesis_account.balances)
            account.pub_key = genesis_account.pub_key
        if self._accounts.get(FEE_COLLECTOR) is None:
            self._accounts.create(FEE_COLLECTOR).module_name = "fee_collector"
        for group in self.genesis.groups:
            create_genesis_group(self._accounts, self._groups, group, self._clock())
        self._check = self._accounts.branch()

    # -- writes ---------------------------------------------------------------------------

    def broadcast(self, raw: bytes) -> CheckResult:
        """CheckTx; in instant mode an accepted tx is also committed at once in its own block."""
        digest = tx_hash(raw)
        with self._lock:
            if digest in self._seen:
                return CheckResult(
                    digest, codes.TX_IN_MEMPOOL_CACHE, TxError(codes.TX_IN_MEMPOOL_CACHE).raw_log
                )
            try:
                tx = decode_tx(raw)
            except TxError as failure:
                return CheckResult(
                    digest, failure.code, failure.raw_log, error_codespace=failure.codespace
                )
            branch = self._check.branch()
            try:
                outcome = run_ante(branch, tx, self.genesis, self._height + 1)
            except TxError as failure:
                return CheckResult(
                    digest,
                    failure.code,
                    failure.raw_log,
                    tx.gas_limit,
                    error_codespace=failure.codespace,
                )
            branch.commit()
            self._mempool.append(tx)
            self._seen.add(digest)
            result = CheckResult(digest, 0, "", tx.gas_limit, outcome.gas.used)
            if self.genesis.instant:
                self.produce_block()
            return result

    def produce_block(self) -> Block:
        with self._lock:
            height = self._height + 1
            previous = self._blocks[self._height].time
            block = Block(height, max(self._clock(), previous))
            for index, tx in enumerate(self._mempool):
                record = self._deliver(tx, height, index, block.time)
                self._records[record.hash] = record
                self._ordered.append(record)
                block.tx_hashes.append(record.hash)
            if self.genesis.index_lag_s > 0 and block.tx_hashes:
                self._indexed_from[height] = time.monotonic() + self.genesis.index_lag_s
            self._mempool = []
            block.finalize_block_events = self._groups.end_block(block.time)
            self._check = self._accounts.branch()
            self._blocks[height] = block
            self._height = height
            if block.tx_hashes and self.genesis.state_file:
                self._save(Path(self.genesis.state_file))
            return block

    def _deliver(self, tx: DecodedTx, height: int, index: int, time: datetime) -> TxRecord:
        ante_branch = self._accounts.branch()
        try:
            outcome = run_ante(ante_branch, tx, self.genesis, height)
        except TxError as failure:
            return TxRecord(
                tx, height, index, failure.code, failure.raw_log, tx.gas_limit, 0, [], time,
                error_codespace=failure.codespace,
            )  # fmt: skip
        ante_branch.commit()
        groups = copy.deepcopy(self._groups)  # small at this scale; kept only on success
        ctx = MsgContext(self._accounts.branch(), groups, self.genesis, outcome.gas, time)
        try:
            msg_events, data = execute_msgs(ctx, tx)
        except TxError as failure:
            used = min(outcome.gas.used, tx.gas_limit)
            return TxRecord(
                tx, height, index, failure.code, failure.raw_log, tx.gas_limit, used,
                outcome.events, time, error_codespace=failure.codespace,
            )  # fmt: skip
        ctx.store.commit()
        self._groups = groups
        return TxRecord(
            tx, height, index, 0, "", tx.gas_limit, outcome.gas.used,
            outcome.events + msg_events, time, data,
        )  # fmt: skip

    # -- reads ----------------------------------------------------------------------------

    @property
    def height(self) -> int:
        with self._lock:
            return self._height

    def account(self, address: str) -> Account | None:
        with self._lock:
            found = self._accounts.get(address)
            return found.copy() if found else None

    def block(self, height: int) -> Block | None:
        with self._lock:
            found = self._blocks.get(height)
            return found.copy() if found else None

    def read_groups(self, read: Callable[[GroupModule], T]) -> T:
        """Run ``read`` on the committed x/group state under the lock (it must not change it)."""
        with self._lock:
            return read(self._groups)

    def latest_block(self) -> Block:
        with self._lock:
            block = self.block(self._height)
            assert block is not None
            return block

    def raw_txs(self, hashes: list[str]) -> list[bytes]:
        with self._lock:
            return [self._records[h].tx.raw for h in hashes]

    def _indexed(self, record: TxRecord) -> bool:
        return time.monotonic() >= self._indexed_from.get(record.height, 0.0)

    def get_tx(self, digest: str) -> TxRecord | None:
        with self._lock:
            found = self._records.get(digest.upper())
            return found if found is not None and self._indexed(found) else None

    def search(
        self, conditions: list[Condition], *, descending: bool, page: int, limit: int
    ) -> tuple[list[TxRecord], int]:
        """Matching included txs ordered by (height, index); raise ValueError on a bad page."""
        with self._lock:
            found = [
                r
                for r in self._ordered
                if self._indexed(r) and matches(conditions, r.index_attributes())
            ]
        if descending:
            found.reverse()
        total = len(found)
        pages = max(1, -(-total // limit))
        if not 1 <= page <= pages:
            raise ValueError(f"page should be within [1, {pages}] range, given {page}")
        start = (page - 1) * limit
        return found[start : start + limit], total

    # -- persistence ----------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "chain_id": self.genesis.chain_id,
            "height": self._height,
            "next_account_number": self._accounts.next_number,
            "accounts": [
                {
                    "address": a.address,
                    "account_number": a.account_number,
                    "sequence": a.sequence,
                    "pub_key": a.pub_key.to_json() if a.pub_key else None,
                    "balances": {d: str(v) for d, v in a.balances.items()},
                    "module_name": a.module_name,
                }
                for a in self._accounts
            ],
            "blocks": [
                [
                    h.height,
                    h.time.isoformat(),
                    h.tx_hashes,
                    [e.to_json() for e in h.finalize_block_events],
                ]
                for h in self._blocks.values()
            ],
            "groups": group_snapshot(self._groups),
            "txs": [
                {
                    "raw": base64.b64encode(r.tx.raw).decode(),
                    "height": r.height,
                    "index": r.index,
                    "code": r.code,
                    "raw_log": r.raw_log,
                    "gas_wanted": r.gas_wanted,
                    "gas_used": r.gas_used,
                    "events": [e.to_json() for e in r.events],
                    "timestamp": r.timestamp.isoformat(),
                    "data": r.data_hex,
                    "codespace": r.error_codespace,
                }
                for r in self._ordered
            ],
        }

    def _save(self, path: Path) -> None:
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(self._snapshot()), encoding="utf-8")
        os.replace(temporary, path)

    def save(self) -> None:
        """Write the state file now (no-op without ``state_file``); mempool txs are not kept."""
        with self._lock:
            if self.genesis.state_file:
                self._save(Path(self.genesis.state_file))

    def restore(self, path: Path) -> None:
        """Replace the state with a snapshot written by ``save`` (same chain id required)."""
        snapshot = json.loads(path.read_text(encoding="utf-8"))
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"{path}: unsupported state file version")
        if snapshot.get("chain_id") != self.genesis.chain_id:
            raise ValueError(f"{path}: state of chain {snapshot.get('chain_id')!r}")
        with self._lock:
            accounts = AccountStore(next_number=int(snapshot["next_account_number"]))
            for raw in snapshot["accounts"]:
                account = accounts.create(raw["address"], account_number=raw["account_number"])
                account.sequence = int(raw["sequence"])
                account.pub_key = account_key_from_json(raw["pub_key"]) if raw["pub_key"] else None
                account.balances = {d: int(v) for d, v in raw["balances"].items()}
                account.module_name = raw["module_name"]
            blocks = {
                int(h): Block(
                    int(h),
                    datetime.fromisoformat(t),
                    list(hashes),
                    [Event.from_json(e) for e in events],
                )
                for h, t, hashes, events in snapshot["blocks"]
            }
            records = [
                TxRecord(
                    tx=decode_tx(base64.b64decode(raw["raw"])),
                    height=raw["height"],
                    index=raw["index"],
                    code=raw["code"],
                    raw_log=raw["raw_log"],
                    gas_wanted=raw["gas_wanted"],
                    gas_used=raw["gas_used"],
                    events=[Event.from_json(e) for e in raw["events"]],
                    timestamp=datetime.fromisoformat(raw["timestamp"]),
                    data_hex=raw["data"],
                    error_codespace=raw["codespace"],
                )
                for raw in snapshot["txs"]
            ]
            self._accounts = accounts
            self._groups = restore_groups(snapshot["groups"])
            self._check = accounts.branch()
            self._mempool = []
            self._blocks = blocks
            self._height = int(snapshot["height"])
            self._ordered = records
            self._records = {r.hash: r for r in records}
            self._seen = set(self._records)
