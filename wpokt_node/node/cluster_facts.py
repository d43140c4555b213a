"""The cluster facts: what every node of a cluster must agree on, and their hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from wpokt_node.config import Settings


def cluster_facts(settings: Settings) -> dict[str, Any]:
    """What every node of a cluster must agree on (the shared cluster config): chains,
    contracts, validators, vault, members, N and T. Node-local settings are left out."""
    eth, pocket = settings.ethereum, settings.pocket
    return {
        "cluster": {"nodes": settings.cluster.nodes, "threshold": settings.cluster.threshold},
        "ethereum": {
            "chain_id": eth.chain_id,
            "token": eth.token_address,
            "controller": eth.mint_controller_address,
            "validators": sorted(eth.validator_addresses),
            "start_block": eth.start_block,
            "admin": eth.admin_address,
            "roles_from_block": eth.roles_from_block,
            "stop_block": eth.stop_block,
        },
        "pocket": {
            "chain_id": pocket.chain_id,
            "vault": pocket.vault_address,
            "custody": str(pocket.custody),
            "members": sorted(pocket.member_public_keys),
            "start_height": pocket.start_height,
            "stop_height": pocket.stop_height,
            "retired_vaults": sorted(
                (v.address, v.threshold, sorted(v.member_public_keys), v.start_height)
                for v in pocket.retired_vaults
            ),
        },
        **(
            {"rotation": settings.rotation.model_dump(mode="json")}
            if settings.rotation is not None
            else {}
        ),
    }


def cluster_facts_hash(settings: Settings) -> str:
    """sha256 (hex, first 16) of ``cluster_facts``: nodes that disagree show different ones."""
    canonical = json.dumps(cluster_facts(settings), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
