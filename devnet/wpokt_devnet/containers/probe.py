"""What the cluster test reads from inside the cluster's network, as one JSON document.

Run in a devnet-image container on the cluster's internal network (the test publishes no port):
``python -m wpokt_devnet.containers.probe --dir /var/lib/wpokt-devnet``. It prints the clock,
both chains' heads, every node's heartbeats (time and passes per worker) and cursors, every
entry's status and signers, and every entry on which one signer appears twice.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wpokt_devnet.cluster import Devnet
from wpokt_node.db.client import connect
from wpokt_node.db.schema import BURNS, MINTS, NODES, REFUNDS
from wpokt_node.eth.client import EthClient
from wpokt_node.pokt.client import PocketClient

Document = dict[str, Any]


def _signer_ids(entry: Document) -> list[str]:
    signatures = entry.get("signatures") or []
    return [str(s.get("node_id")) for s in signatures if isinstance(s, dict)]


def facts(devnet: Devnet) -> Document:
    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        nodes: Document = {}
        for doc in db[NODES].find({}):
            workers = doc.get("workers") or {}
            nodes[str(doc.get("node_id"))] = {
                "workers": {
                    name: {"at_ms": beat.get("at_ms"), "passes": beat.get("passes")}
                    for name, beat in workers.items()
                    if isinstance(beat, dict)
                },
                "cursors": dict(doc.get("cursors") or {}),
            }
        doubled: list[str] = []
        entries: list[Document] = []
        projection = {"signatures": 1, "signers": 1, "status": 1, "transaction_hash": 1,
                      "source_event": 1}  # fmt: skip
        for collection in (MINTS, BURNS, REFUNDS):
            for entry in db[collection].find({}, projection):
                signers = [str(s) for s in entry.get("signers") or []]
                for ids in (_signer_ids(entry), signers):
                    if len(ids) != len(set(ids)):
                        doubled.append(f"{collection}/{entry['_id']}")
                entries.append({
                    "collection": collection,
                    "transaction_hash": str(entry.get("transaction_hash")),
                    "source_event": entry.get("source_event"),
                    "status": entry.get("status"),
                    "signers": signers,
                })  # fmt: skip
        return {
            "now_ms": int(time.time() * 1000),
            "pokt_height": PocketClient(devnet.pokt_url).latest_height(),
            "eth_block": EthClient(devnet.eth_url).block_number(),
            "nodes": nodes,
            "signed_twice": sorted(set(doubled)),
            "entries": entries,
        }
    finally:
        db.client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wpokt_devnet.containers.probe")
    parser.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)
    json.dump(facts(Devnet.load(args.dir)), sys.stdout, sort_keys=True, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
