"""Print the addresses of the nodes' KMS keys (what the cluster config and the contracts need).

    terraform -chdir=terraform/envs/node output -json node | python scripts/kms_addresses.py

reads one node (the per-operator root's ``node`` output, which names its ``node_id``) or a map
of them (``envs/mainnet``'s ``nodes``: node id -> node).

For each node: the eth_signer address (a MintController validator), the pokt_signer public
key and address (a vault member), the eth_gas address (fund it with ETH). Needs AWS
credentials allowed kms:GetPublicKey on the keys. ``--yaml`` prints the two config lists
(ethereum.validator_addresses, pocket.member_public_keys) in node order.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml

from wpokt_node.keys.kms import KmsSigner
from wpokt_node.keys.signer import eth_address_of, pokt_address_of


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--yaml", action="store_true", help="print the config lists only")
    args = parser.parse_args()
    nodes = _nodes(json.load(sys.stdin))
    validators: list[str] = []
    members: list[str] = []
    for node_id in sorted(nodes):
        node = nodes[node_id]
        arns = node["kms_key_arns"]
        region = node["region"]
        eth_signer = KmsSigner(arns["eth_signer"], region).public_key
        pokt_signer = KmsSigner(arns["pokt_signer"], region).public_key
        eth_gas = KmsSigner(arns["eth_gas"], region).public_key
        validators.append(eth_address_of(eth_signer))
        members.append(pokt_signer.hex())
        if not args.yaml:
            print(f"{node_id} ({region})")
            print(f"  eth_signer  {eth_address_of(eth_signer)}")
            print(f"  pokt_signer {pokt_address_of(pokt_signer)}  pubkey {pokt_signer.hex()}")
            print(f"  eth_gas     {eth_address_of(eth_gas)}")
    if args.yaml:
        lists = {
            "ethereum": {"validator_addresses": validators},
            "pocket": {"member_public_keys": members},
        }
        print(yaml.safe_dump(lists, sort_keys=False), end="")
    return 0


def _nodes(document: Any) -> dict[str, Any]:
    if isinstance(document, dict) and "kms_key_arns" in document:
        return {str(document.get("node_id", "node")): document}
    if not isinstance(document, dict):
        raise SystemExit("expected `terraform output -json node` or `... nodes` on stdin")
    return document


if __name__ == "__main__":
    sys.exit(main())
