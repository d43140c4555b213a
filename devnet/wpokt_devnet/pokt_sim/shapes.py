"""Response bodies in the Cosmos SDK v0.50 REST (grpc-gateway) JSON shapes.

64-bit integers are strings, bytes are base64, ``Any`` values carry ``@type``, proto field
names are kept (snake_case) and default values are printed, as the gateway does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as tendermint_query_pb2
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import types_pb2 as sdk_types_pb2
from cosmpy.protos.tendermint.types import block_pb2, types_pb2
from google.protobuf import json_format, timestamp_pb2

from wpokt_devnet.pokt_sim.accounts import Account
from wpokt_devnet.pokt_sim.addresses import bech32_encode
from wpokt_devnet.pokt_sim.genesis import AuthParams
from wpokt_devnet.pokt_sim.records import Block, CheckResult, TxRecord
from wpokt_devnet.pokt_sim.tx import tx_json

PROPOSER = hashlib.sha256(b"wpokt-node pocket simulator proposer").digest()[:20]


def error_body(grpc_code: int, message: str) -> dict[str, Any]:
    return {"code": grpc_code, "message": message, "details": []}


def account_body(account: Account) -> dict[str, Any]:
    base = {
        "address": account.address,
        "pub_key": account.pub_key.to_json() if account.pub_key else None,
        "account_number": str(account.account_number),
        "sequence": str(account.sequence),
    }
    if account.module_name:
        return {
            "account": {
                "@type": "/cosmos.auth.v1beta1.ModuleAccount",
                "base_account": base,
                "name": account.module_name,
                "permissions": [],
            }
        }
    return {"account": {"@type": "/cosmos.auth.v1beta1.BaseAccount", **base}}


def params_body(params: AuthParams) -> dict[str, Any]:
    return {
        "params": {
            "max_memo_characters": str(params.max_memo_characters),
            "tx_sig_limit": str(params.tx_sig_limit),
            "tx_size_cost_per_byte": str(params.tx_size_cost_per_byte),
            "sig_verify_cost_ed25519": str(params.sig_verify_cost_ed25519),
            "sig_verify_cost_secp256k1": str(params.sig_verify_cost_secp256k1),
        }
    }


def coin_json(denom: str, amount: int) -> dict[str, str]:
    return {"denom": denom, "amount": str(amount)}


def balance_body(denom: str, amount: int) -> dict[str, Any]:
    return {"balance": coin_json(denom, amount)}


def all_balances_body(account: Account | None) -> dict[str, Any]:
    balances = sorted((account.balances if account else {}).items())
    return {
        "balances": [coin_json(d, a) for d, a in balances if a > 0],
        "pagination": {"next_key": None, "total": str(sum(1 for _, a in balances if a > 0))},
    }


def _rfc3339_seconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def broadcast_body(result: CheckResult) -> dict[str, Any]:
    return {
        "tx_response": {
            "height": "0",
            "txhash": result.txhash,
            "codespace": result.codespace,
            "code": result.code,
            "data": "",
            "raw_log": result.raw_log,
            "logs": [],
            "info": "",
            "gas_wanted": str(result.gas_wanted),
            "gas_used": str(result.gas_used),
            "tx": None,
            "timestamp": "",
            "events": [],
        }
    }


def tx_response_json(record: TxRecord) -> dict[str, Any]:
    return {
        "height": str(record.height),
        "txhash": record.hash,
        "codespace": record.codespace,
        "code": record.code,
        "data": record.data_hex,
        "raw_log": record.raw_log,
        "logs": [],
        "info": "",
        "gas_wanted": str(record.gas_wanted),
        "gas_used": str(record.gas_used),
        "tx": {"@type": "/cosmos.tx.v1beta1.Tx", **tx_json(record.tx)},
        "timestamp": _rfc3339_seconds(record.timestamp),
        "events": [e.to_json() for e in record.events],
    }


def get_tx_body(record: TxRecord) -> dict[str, Any]:
    return {"tx": tx_json(record.tx), "tx_response": tx_response_json(record)}


def search_body(records: list[TxRecord], total: int) -> dict[str, Any]:
    return {
        "txs": [tx_json(r.tx) for r in records],
        "tx_responses": [tx_response_json(r) for r in records],
        "pagination": None,
        "total": str(total),
    }


def _block_hash(chain_id: str, block: Block) -> bytes:
    seed = f"{chain_id}/{block.height}/{block.time.isoformat()}/{','.join(block.tx_hashes)}"
    return hashlib.sha256(seed.encode()).digest()


def block_body(chain_id: str, block: Block, txs: list[bytes]) -> dict[str, Any]:
    """``GetLatestBlockResponse`` / ``GetBlockByHeightResponse``: block_id, block, sdk_block."""
    time = timestamp_pb2.Timestamp()
    time.FromDatetime(block.time)
    previous = hashlib.sha256(f"{chain_id}/{block.height - 1}".encode()).digest()
    data_hash = hashlib.sha256(b"".join(hashlib.sha256(t).digest() for t in txs)).digest()
    header_fields: dict[str, Any] = {
        "chain_id": chain_id,
        "height": block.height,
        "time": time,
        "last_block_id": types_pb2.BlockID(hash=previous),
        "data_hash": data_hash,
        "app_hash": hashlib.sha256(previous + data_hash).digest(),
    }
    response = tendermint_query_pb2.GetLatestBlockResponse(
        block_id=types_pb2.BlockID(
            hash=_block_hash(chain_id, block),
            part_set_header=types_pb2.PartSetHeader(total=1, hash=_block_hash(chain_id, block)),
        ),
        block=block_pb2.Block(
            header=types_pb2.Header(**header_fields, proposer_address=PROPOSER),
            data=types_pb2.Data(txs=txs),
        ),
        sdk_block=sdk_types_pb2.Block(
            header=sdk_types_pb2.Header(
                **header_fields, proposer_address=bech32_encode("poktvalcons", PROPOSER)
            ),
            data=types_pb2.Data(txs=txs),
        ),
    )
    body: dict[str, Any] = json_format.MessageToDict(
        response, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return body
