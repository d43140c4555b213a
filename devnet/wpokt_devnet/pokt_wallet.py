"""A devnet user wallet: sign (SIGN_MODE_DIRECT) and broadcast a MsgSend with a memo (also of
another denom, or wrapped in an authz ``MsgExec``).

Used by the tests and ``wpokt-node devnet deposit`` to play a user who sends POKT to the
vault. Talks to any Cosmos REST endpoint (the simulator, or a real node).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from cosmpy.protos.cosmos.authz.v1beta1 import tx_pb2 as authz_tx_pb2
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx_pb2
from cosmpy.protos.cosmos.base.v1beta1 import coin_pb2
from google.protobuf import any_pb2

from wpokt_node.errors import ChainError
from wpokt_node.keys.signer import Secp256k1Signer, pokt_address_of
from wpokt_node.pokt.amino_json import Coin
from wpokt_node.pokt.direct_tx import direct_tx, packed, sign_direct
from wpokt_node.pokt.tx_encoding import MSG_SEND_TYPE_URL

DENOM = "upokt"
MSG_EXEC_TYPE_URL = "/cosmos.authz.v1beta1.MsgExec"
DEFAULT_GAS = 200_000


def msg_send(from_address: str, to_address: str, amount: int, denom: str = DENOM) -> any_pb2.Any:
    send = bank_tx_pb2.MsgSend(
        from_address=from_address,
        to_address=to_address,
        amount=[coin_pb2.Coin(denom=denom, amount=str(amount))],
    )
    return packed(MSG_SEND_TYPE_URL, send)


def _succeeded(outcome: TxOutcome) -> str:
    if outcome.code != 0:
        raise ChainError(f"tx {outcome.txhash} failed with code {outcome.code}: {outcome.raw_log}")
    return outcome.txhash


def build_signed_send(
    signer: Secp256k1Signer,
    *,
    to_address: str,
    amount: int,
    chain_id: str,
    account_number: int,
    sequence: int,
    memo: str = "",
    fee: int = 0,
    gas: int = DEFAULT_GAS,
    denom: str = DENOM,
) -> bytes:
    """TxRaw bytes of a MsgSend from the signer's address, signed in SIGN_MODE_DIRECT."""
    unsigned = direct_tx(
        public_key=signer.public_key,
        messages=[msg_send(pokt_address_of(signer.public_key), to_address, amount, denom)],
        chain_id=chain_id,
        account_number=account_number,
        sequence=sequence,
        fee=Coin(denom, fee) if fee else None,
        gas_limit=gas,
        memo=memo,
    )
    return sign_direct(signer, unsigned).tx_bytes


@dataclass(frozen=True, slots=True)
class TxOutcome:
    txhash: str
    code: int
    raw_log: str
    height: int


class DevnetWallet:
    def __init__(
        self,
        signer: Secp256k1Signer,
        rest_url: str,
        *,
        chain_id: str = "pocket",
        request_timeout_s: float = 10.0,
    ) -> None:
        self.signer = signer
        self.rest_url = rest_url.rstrip("/")
        self.chain_id = chain_id
        self.request_timeout_s = request_timeout_s
        self._session = requests.Session()

    @property
    def address(self) -> str:
        return pokt_address_of(self.signer.public_key)

    def _get(self, path: str) -> requests.Response:
        try:
            return self._session.get(self.rest_url + path, timeout=self.request_timeout_s)
        except requests.RequestException as exc:
            raise ChainError(f"Pocket REST request failed: {type(exc).__name__}") from None

    def account(self) -> tuple[int, int]:
        """(account_number, sequence) of this wallet's account."""
        response = self._get(f"/cosmos/auth/v1beta1/accounts/{self.address}")
        if response.status_code == 404:
            raise ChainError(f"account {self.address} does not exist on chain (never funded)")
        if response.status_code != 200:
            raise ChainError(f"account query failed with HTTP {response.status_code}")
        account = response.json()["account"]
        return int(account["account_number"]), int(account["sequence"])

    def balance(self, denom: str = DENOM) -> int:
        response = self._get(f"/cosmos/bank/v1beta1/balances/{self.address}/by_denom?denom={denom}")
        if response.status_code != 200:
            raise ChainError(f"balance query failed with HTTP {response.status_code}")
        return int(response.json()["balance"]["amount"])

    def broadcast(self, tx_bytes: bytes) -> dict[str, Any]:
        """POST the tx (sync mode); returns the ``tx_response`` whatever its code."""
        payload = {"tx_bytes": base64.b64encode(tx_bytes).decode(), "mode": "BROADCAST_MODE_SYNC"}
        try:
            response = self._session.post(
                self.rest_url + "/cosmos/tx/v1beta1/txs", json=payload,
                timeout=self.request_timeout_s,
            )  # fmt: skip
        except requests.RequestException as exc:
            raise ChainError(f"broadcast failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ChainError(f"broadcast failed with HTTP {response.status_code}: {response.text}")
        result: dict[str, Any] = response.json()["tx_response"]
        return result

    def wait_for_tx(self, txhash: str, timeout_s: float = 30.0) -> TxOutcome:
        deadline = time.monotonic() + timeout_s
        while True:
            response = self._get(f"/cosmos/tx/v1beta1/txs/{txhash}")
            if response.status_code == 200:
                tx_response = response.json()["tx_response"]
                return TxOutcome(
                    txhash, int(tx_response["code"]), tx_response["raw_log"],
                    int(tx_response["height"]),
                )  # fmt: skip
            if response.status_code != 404:
                raise ChainError(f"tx query failed with HTTP {response.status_code}")
            if time.monotonic() > deadline:
                raise ChainError(f"tx {txhash} not included within {timeout_s:g}s")
            time.sleep(0.1)

    def submit(
        self,
        messages: Sequence[any_pb2.Any],
        *,
        memo: str = "",
        fee: int = 0,
        gas: int = DEFAULT_GAS,
        timeout_s: float = 30.0,
    ) -> TxOutcome:
        """Sign ``messages`` (SIGN_MODE_DIRECT), broadcast, wait for inclusion; raise ChainError
        if the broadcast is refused."""
        account_number, sequence = self.account()
        unsigned = direct_tx(
            public_key=self.signer.public_key, messages=list(messages), chain_id=self.chain_id,
            account_number=account_number, sequence=sequence,
            fee=Coin(DENOM, fee) if fee else None, gas_limit=gas, memo=memo,
        )  # fmt: skip
        result = self.broadcast(sign_direct(self.signer, unsigned).tx_bytes)
        if int(result["code"]) != 0:
            raise ChainError(
                f"broadcast refused with code {result['code']} ({result['codespace']}): "
                f"{result['raw_log']}"
            )
        return self.wait_for_tx(result["txhash"], timeout_s)

    def transfer(
        self,
        to_address: str,
        amount: int,
        *,
        memo: str = "",
        fee: int = 0,
        gas: int = DEFAULT_GAS,
        timeout_s: float = 30.0,
        denom: str = DENOM,
    ) -> TxOutcome:
        """A MsgSend of ``amount`` ``denom``: sign, broadcast, wait for inclusion."""
        return self.submit(
            [msg_send(self.address, to_address, amount, denom)],
            memo=memo, fee=fee, gas=gas, timeout_s=timeout_s,
        )  # fmt: skip

    def send(
        self, to_address: str, amount: int, *, memo: str = "", fee: int = 0, denom: str = DENOM
    ) -> str:
        """Transfer and require success; returns the tx hash."""
        outcome = self.transfer(to_address, amount, memo=memo, fee=fee, denom=denom)
        return _succeeded(outcome)

    def send_through_authz(self, to_address: str, amount: int, *, memo: str = "") -> str:
        """The same MsgSend wrapped in an authz ``MsgExec`` this account executes itself (the
        SDK accepts a granter's own message without a grant); returns the tx hash."""
        inner = msg_send(self.address, to_address, amount, DENOM)
        exec_msg = authz_tx_pb2.MsgExec(grantee=self.address, msgs=[inner])
        outcome = self.submit([packed(MSG_EXEC_TYPE_URL, exec_msg)], memo=memo)
        return _succeeded(outcome)

    def close(self) -> None:
        self._session.close()
