"""A successor cluster on a running devnet: the new nodes that take the bridge over.

``devnet successor`` gives a running devnet (the "old" cluster, e.g. 7 nodes on a 5-of-7
legacy multisig vault) N new nodes with new keys, funds their gas keys and member accounts,
and writes their configs: group custody, the old vault as ``pocket.retired_vaults``, the same
database and contracts, ``pocket.vault_address`` left out until ``vault create-group`` made the
vault. It also sets the cut-over a few blocks ahead: the old nodes' configs stop there, the new
ones start right after. Nothing is started or restarted and nothing on chain changes hands:
that is the migration runbook's job (docs/runbooks/migrate-from-5-of-7.md).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import yaml

from wpokt_devnet.cluster import KEYS_FILE, Devnet, DevnetError, node_config, write_node_keystores
from wpokt_devnet.cluster_config import (
    GAS_BALANCE_WEI,
    GROUP,
    MEMBER_POKT_BALANCE,
    DevnetOptions,
    generate_keys,
)
from wpokt_devnet.pokt_wallet import DevnetWallet, msg_send
from wpokt_devnet.processes import write_private
from wpokt_node.eth.client import EthClient
from wpokt_node.keys.signer import LocalKeySigner, eth_address_of, pokt_address_of
from wpokt_node.pokt.client import PocketClient

SUCCESSOR_PREFIX = "new"


def successor_ids(devnet: Devnet) -> list[str]:
    return [str(n) for n in devnet.state.get("successor_ids", [])]


def add_successor(devnet: Devnet, nodes: int, threshold: int, cut_over_in: int) -> list[str]:
    """Keys, funds and configs of ``nodes`` new nodes (T = ``threshold``); their ids. The
    cut-over is ``cut_over_in`` blocks ahead on both chains: the old nodes' configs get it as
    their stop (``pocket.stop_height``, ``ethereum.stop_block``: they take it at their next
    start), the new ones start right after it."""
    if successor_ids(devnet):
        raise DevnetError(f"this devnet already has a successor cluster: {successor_ids(devnet)}")
    if not 1 <= threshold <= nodes or 2 * threshold <= nodes:
        raise DevnetError(f"threshold {threshold} of {nodes} is not a majority")
    ids = [f"{SUCCESSOR_PREFIX}-{i:02d}" for i in range(1, nodes + 1)]
    keys = devnet.keys()
    new_keys: dict[str, Any] = generate_keys(ids)["nodes"]
    keys["nodes"].update(new_keys)
    write_private(devnet.dir / KEYS_FILE, json.dumps(keys, indent=2))

    signers = {n: {p: LocalKeySigner.from_hex(k) for p, k in new_keys[n].items()} for n in ids}
    eth = EthClient(devnet.eth_url)
    for node_id in ids:
        gas = eth_address_of(signers[node_id]["eth_gas"].public_key)
        eth.request("anvil_setBalance", [gas, hex(GAS_BALANCE_WEI)])
    members = [signers[n]["pokt_signer"].public_key for n in ids]
    wallet = DevnetWallet(LocalKeySigner.from_hex(keys["pokt_user"]), devnet.pokt_url)
    try:
        sends = [msg_send(wallet.address, pokt_address_of(m), MEMBER_POKT_BALANCE) for m in members]
        outcome = wallet.submit(sends, gas=100_000 * (len(sends) + 2))
        if outcome.code != 0:
            raise DevnetError(f"funding the member accounts failed: {outcome.raw_log}")
    finally:
        wallet.close()

    state = devnet.state
    pokt_stop = PocketClient(devnet.pokt_url).latest_height() + cut_over_in
    eth_stop = eth.block_number() + cut_over_in
    for node_id in devnet.node_ids:
        _edit(devnet, node_id, [("pocket", "stop_height", pokt_stop),
                                ("ethereum", "stop_block", eth_stop)])  # fmt: skip
    old = DevnetOptions(**state["options"])
    options = replace(old, nodes=nodes, threshold=threshold, custody=GROUP)
    facts = {
        **state,
        "validators": [eth_address_of(signers[n]["eth_signer"].public_key) for n in ids],
        "members": [m.hex() for m in members],
        "vault": None,
    }
    retired = {
        "address": state["vault"],
        "threshold": old.threshold,
        "member_public_keys": list(state["members"]),
        "start_height": pokt_stop + 1,
    }
    for node_id in ids:
        config = node_config(devnet, node_id, options, facts)
        del config["pocket"]["vault_address"]  # written once `vault create-group` made it
        config["pocket"]["retired_vaults"] = [retired]
        config["ethereum"]["start_block"] = eth_stop + 1
        path = devnet.config_path(node_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_node_keystores(devnet, node_id)
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    state["successor_ids"] = ids
    state["successor"] = {"nodes": nodes, "threshold": threshold, "cut_over": {
        "pocket_height": pokt_stop, "ethereum_block": eth_stop}}  # fmt: skip
    devnet.save()
    return ids


def set_vault(devnet: Devnet, vault: str) -> None:
    """Put the group vault's address into every successor config (the runbook's manual edit)."""
    if not successor_ids(devnet):
        raise DevnetError("this devnet has no successor cluster: run `devnet successor` first")
    for node_id in successor_ids(devnet):
        _edit(devnet, node_id, [("pocket", "vault_address", vault)])


def _edit(devnet: Devnet, node_id: str, changes: list[tuple[str, str, Any]]) -> None:
    path = devnet.config_path(node_id)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for section, key, value in changes:
        config[section][key] = value
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
