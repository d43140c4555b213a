"""``devnet rotate``: replace one node's signing keys (its MintController validator and its
group-vault member) while the other nodes keep bridging, the way docs/runbooks/rotate-node-key.md
does it on a real cluster. Each step is its own function, so a test can bridge in between.

1. ``announce``: every node's config gets the same ``rotation`` section (old and new keys) and
   the other nodes restart N - T at a time (T always run); their governance watch now accepts
   the chains with either key. The rotated node keeps running on its old keys until step 3.
2. ``change_chains``: the new member account is funded; the contract admin adds the new
   validator, then removes the old one; one admin proposal (members: old weight 0, new weight
   1; the decision policy re-set, which aborts open payout proposals) gets T votes.
3. ``switch_node``: the node restarts with its new keystores.
4. ``promote``: every config names the new keys in place of the old and drops ``rotation``;
   rolling restart again.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import yaml

from wpokt_devnet.cluster import KEYS_FILE, Devnet, DevnetError, write_node_keystores
from wpokt_devnet.cluster_config import (
    ETH_CHAIN_ID,
    MEMBER_POKT_BALANCE,
    POKT_CHAIN_ID,
)
from wpokt_devnet.deploy import admin_calls
from wpokt_devnet.pokt_wallet import DevnetWallet
from wpokt_devnet.processes import write_private
from wpokt_node.db.client import connect
from wpokt_node.db.nodes import node_document
from wpokt_node.errors import NotReadyError
from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import ControllerContract
from wpokt_node.eth.transactions import TransactionSender
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.node.supervisor import WORKER_NAMES
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_msgs import (
    admin_proposal,
    update_decision_policy,
    update_members,
    vote_yes,
)
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.member_tx import MemberAccount

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Rotation:
    node_id: str
    old: dict[str, str]  # purpose -> hex private key
    new: dict[str, str]

    def address(self, which: str) -> str:
        keys = self.old if which == "old" else self.new
        return eth_address_of(LocalKeySigner.from_hex(keys["eth_signer"]).public_key)

    def member_key(self, which: str) -> str:
        keys = self.old if which == "old" else self.new
        return LocalKeySigner.from_hex(keys["pokt_signer"]).public_key.hex()

    def member_address(self, which: str) -> str:
        return pokt_address_of(bytes.fromhex(self.member_key(which)))

    def section(self) -> dict[str, Any]:
        return {
            "eth_signer": {"old": self.address("old"), "new": self.address("new")},
            "pokt_signer": {"old": self.member_key("old"), "new": self.member_key("new")},
        }


def plan(devnet: Devnet, node_id: str) -> Rotation:
    """New ``eth_signer`` and ``pokt_signer`` keys for ``node_id`` (its gas key stays)."""
    if node_id not in devnet.node_ids:
        raise DevnetError(f"{node_id} is not a node of this devnet")
    old = dict(devnet.keys()["nodes"][node_id])
    new = {
        **old,
        **{p: "0x" + secrets.token_bytes(32).hex() for p in ("eth_signer", "pokt_signer")},
    }
    return Rotation(node_id, old, new)


def announce(devnet: Devnet, rotation: Rotation, say: Say) -> None:
    """Step 1: the same ``rotation`` section in every config, then a rolling restart of the
    others."""
    for node_id in devnet.node_ids:
        _edit(devnet, node_id, lambda c: c.__setitem__("rotation", rotation.section()))
    rolling_restart(devnet, [n for n in devnet.node_ids if n != rotation.node_id], say)


def change_chains(devnet: Devnet, rotation: Rotation, say: Say) -> None:
    """Step 2: fund the new member, swap the validator, then swap the group member."""
    _fund_member(devnet, rotation.member_address("new"))
    client = EthClient(devnet.eth_url)
    controller = ControllerContract(client, str(devnet.state["controller"]))
    admin = TransactionSender(client, LocalKeySigner.from_hex(devnet.keys()["admin"]), ETH_CHAIN_ID)
    admin_calls(
        admin, [(controller.address, controller.encode("addValidator", rotation.address("new")))]
    )
    admin_calls(
        admin, [(controller.address, controller.encode("removeValidator", rotation.address("old")))]
    )
    say(
        f"MintController: validator {rotation.address('old')} replaced by {rotation.address('new')}"
    )
    _swap_member(devnet, rotation)
    say(f"group vault: member {rotation.member_address('old')} replaced by "
        f"{rotation.member_address('new')}")  # fmt: skip


def switch_node(devnet: Devnet, rotation: Rotation, say: Say) -> None:
    """Step 3: the node's keystores hold the new keys; it restarts."""
    keys = devnet.keys()
    keys["nodes"][rotation.node_id] = rotation.new
    write_private(devnet.dir / KEYS_FILE, json.dumps(keys, indent=2))
    write_node_keystores(devnet, rotation.node_id)
    rolling_restart(devnet, [rotation.node_id], say)


def promote(devnet: Devnet, rotation: Rotation, say: Say) -> None:
    """Step 4: the new keys in the old ones' places, no ``rotation`` section; rolling restart."""
    old_eth, new_eth = rotation.address("old"), rotation.address("new")
    old_member, new_member = rotation.member_key("old"), rotation.member_key("new")

    def done(config: dict[str, Any]) -> None:
        config.pop("rotation", None)
        eth, pocket = config["ethereum"], config["pocket"]
        eth["validator_addresses"] = [new_eth if a == old_eth else a
                                      for a in eth["validator_addresses"]]  # fmt: skip
        pocket["member_public_keys"] = [new_member if k == old_member else k
                                        for k in pocket["member_public_keys"]]  # fmt: skip

    for node_id in devnet.node_ids:
        _edit(devnet, node_id, done)
    rolling_restart(devnet, devnet.node_ids, say)


def rotate(devnet: Devnet, node_id: str, say: Say) -> Rotation:
    """The whole rotation, step by step."""
    rotation = plan(devnet, node_id)
    say(f"rotating {node_id}: announcing the new keys to every node")
    announce(devnet, rotation, say)
    change_chains(devnet, rotation, say)
    switch_node(devnet, rotation, say)
    say("promoting the new keys in every config")
    promote(devnet, rotation, say)
    return rotation


def rolling_restart(
    devnet: Devnet, node_ids: Sequence[str], say: Say, timeout_s: float = 180
) -> None:
    """Restart ``node_ids`` N - T at a time (T nodes always run), each batch back (every worker
    beating since its restart) before the next goes down."""
    options = devnet.state.get("options") or {}
    size = max(1, int(options.get("nodes", 12)) - int(options.get("threshold", 9)))
    for start in range(0, len(node_ids), size):
        batch = list(node_ids[start : start + size])
        since_ms = int(time.time() * 1000)
        for node_id in batch:
            devnet.stop_node(node_id)
            devnet.start_node(node_id)
        _wait_beating(devnet, batch, since_ms, timeout_s)
        say(f"restarted {', '.join(batch)}")


def _wait_beating(devnet: Devnet, node_ids: list[str], since_ms: int, timeout_s: float) -> None:
    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            waiting = [n for n in node_ids if not _beating(db, n, since_ms)]
            if not waiting:
                return
            for node_id in waiting:
                if not devnet.node_alive(node_id):
                    raise DevnetError(f"{node_id} exited; see {devnet.dir / 'logs' / node_id}.log")
            if time.monotonic() > deadline:
                raise DevnetError(f"not beating {timeout_s:.0f}s after a restart: {waiting}")
            time.sleep(0.5)
    finally:
        db.client.close()


def _beating(db: Any, node_id: str, since_ms: int) -> bool:
    workers = (node_document(db, node_id) or {}).get("workers") or {}
    beats = [workers.get(w) or {} for w in WORKER_NAMES]
    return all(isinstance(b.get("at_ms"), int) and b["at_ms"] > since_ms for b in beats)


def _edit(devnet: Devnet, node_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = devnet.config_path(node_id)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def _fund_member(devnet: Devnet, address: str) -> None:
    wallet = DevnetWallet(LocalKeySigner.from_hex(devnet.keys()["pokt_user"]), devnet.pokt_url)
    try:
        wallet.send(address, MEMBER_POKT_BALANCE)
    finally:
        wallet.close()


def _swap_member(devnet: Devnet, rotation: Rotation, timeout_s: float = 60) -> None:
    """One admin proposal (members and decision policy), T members' YES votes (the last one
    executes it), until the chain's group lists the new member and not the old."""
    client = PocketClient(devnet.pokt_url)
    reader = GroupReader(client)
    vault = str(devnet.state["vault"])
    options = devnet.state.get("options") or {}
    threshold = int(options.get("threshold", 9))
    voting = timedelta(seconds=int(options.get("voting_period_s", 600)))
    fee = Coin("upokt", int(options.get("fee_upokt", 10_000)))
    try:
        policy = reader.policy(vault)
        if policy is None:
            raise DevnetError(f"{vault} is not a group policy")
        voters = [n for n in devnet.node_ids if n != rotation.node_id][:threshold]
        keys = devnet.keys()["nodes"]
        members = {
            n: MemberAccount(client, LocalKeySigner.from_hex(keys[n]["pokt_signer"]),
                             chain_id=POKT_CHAIN_ID, fee=fee, gas_limit=400_000)
            for n in voters
        }  # fmt: skip
        title = f"rotate {rotation.node_id}"
        proposal = admin_proposal(
            vault, members[voters[0]].address,
            [update_members(vault, policy.group_id, {rotation.member_address("old"): 0,
                                                     rotation.member_address("new"): 1}),
             update_decision_policy(vault, threshold, voting)],
            title=title,
        )  # fmt: skip
        _send(client, members[voters[0]], [proposal])
        proposal_id = _find_proposal(reader, vault, title, timeout_s)
        for node_id in voters:
            _send(client, members[node_id], [vote_yes(proposal_id, members[node_id].address)])
        deadline = time.monotonic() + timeout_s
        while True:
            on_chain = reader.members(policy.group_id)
            if (
                rotation.member_address("new") in on_chain
                and rotation.member_address("old") not in on_chain
            ):
                return
            if time.monotonic() > deadline:
                raise DevnetError(f"the member swap proposal {proposal_id} did not execute")
            time.sleep(0.5)
    finally:
        client.close()


def _send(
    client: PocketClient, member: MemberAccount, messages: list[Any], tries: int = 10
) -> None:
    """Send and wait for inclusion; the node using the same account may take a sequence first."""
    for _ in range(tries):
        try:
            tx_hash = member.send(messages)
        except NotReadyError:
            time.sleep(0.5)
            continue
        found = client.wait_for_tx(tx_hash, timeout_s=30, poll_s=0.3)
        if found is not None and int(found.get("code", 0)) == 0:
            return
        time.sleep(0.5)
    raise DevnetError(f"member {member.address} could not get its tx included")


def _find_proposal(reader: GroupReader, vault: str, title: str, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [p.id for p in reader.proposals(vault) if p.title == title]
        if found:
            return max(found)
        time.sleep(0.3)
    raise DevnetError(f"the proposal {title!r} did not appear")
