"""One node's Copper Unlimited Online (CUO) co-signer: ``POST /sign-async`` and
``GET /sign-async/{transactionRequestId}`` (Copper Unlimited Online guides, "Sign
transaction", "Get status of the sign request"). No authentication: CUO is local to its node.

A sign request is worked on in its own thread: ``starting`` -> ``session-established`` ->
``in-progress`` -> ``completed`` (message: the part signature, hex) or ``error`` (message:
why; never the password). The work: decrypt the shard file ``keyFilename`` from the keys
directory with ``keyPassword``, sign the sign request (``auth.part_signature``, an assumption,
docs/copper.md) and upload the part signature to the platform itself ("CUO uploads the signed
result to the platform"), authenticated with the request's API key and secret.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import structlog

from wpokt_devnet.copper_sim.auth import part_signature, sign_request_hash, signed_headers
from wpokt_devnet.copper_sim.platform import UPLOAD_PART_SIGNED_TX
from wpokt_devnet.copper_sim.shards import ShardFileError, read_shard_file
from wpokt_devnet.copper_sim.web import Answer, json_object

log = structlog.get_logger(__name__)

STARTING, SESSION, IN_PROGRESS = "starting", "session-established", "in-progress"
COMPLETED, ERROR = "completed", "error"
REQUEST_FIELDS = ("keyFilename", "keyPassword", "transactionRequestId", "apiKey", "apiSecret")


def _invalid(message: str) -> Answer:
    return HTTPStatus.BAD_REQUEST, {"error": "validation-error", "message": message}


@dataclass(slots=True)
class _Job:
    """One sign request and where it stands."""

    key_filename: str
    key_password: str
    api_key: str
    api_secret: str
    sign_request: dict[str, Any]
    status: str = STARTING
    message: str = ""

    def __repr__(self) -> str:
        return f"_Job({self.key_filename}, {self.status})"  # never the password or secret


def _problem(request: dict[str, Any]) -> str:
    """Why a sign-async body is invalid ("" if it is valid)."""
    missing = [n for n in REQUEST_FIELDS if not isinstance(request.get(n), str) or not request[n]]
    sign_request = request.get("signRequest")
    sign = sign_request if isinstance(sign_request, dict) else {}
    checks = [
        (request.get("type") != "request", "type: must be 'request'"),
        (bool(missing), f"{missing[0] if missing else ''}: is required (a string)"),
        (not isinstance(sign_request, dict), "signRequest: is required (an object)"),
        (
            sign.get("transactionRequestId") != request.get("transactionRequestId"),
            "signRequest.transactionRequestId: is not transactionRequestId",
        ),
        (
            not isinstance(sign.get("orderId"), str) or not sign["orderId"],
            "signRequest.orderId: is required (a string)",
        ),
    ]
    return next((message for failed, message in checks if failed), "")


def _parse(body: bytes) -> _Job | str:
    """The job a sign-async body asks for, or why it is invalid."""
    request = json_object(body)
    if request is None:
        return "the body must be a JSON object"
    problem = _problem(request)
    if problem:
        return problem
    return _Job(
        request["keyFilename"],
        request["keyPassword"],
        request["apiKey"],
        request["apiSecret"],
        request["signRequest"],
    )


class CuoApi:
    def __init__(
        self, node_id: str, keys_dir: Path, platform_url: str, *, timeout_s: float = 10.0
    ) -> None:
        self.node_id = node_id
        self.keys_dir = Path(keys_dir)
        self.platform_url = platform_url.rstrip("/")
        self.timeout_s = timeout_s
        self._jobs: dict[str, _Job] = {}  # transactionRequestId -> the latest job
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = [p for p in urlsplit(path).path.split("/") if p]
        match method, parts:
            case "POST", ["sign-async"]:
                return self._start(body)
            case "GET", ["sign-async", transaction_request_id]:
                with self._lock:
                    job = self._jobs.get(transaction_request_id)
                    if job is None:
                        return HTTPStatus.NOT_FOUND, {"error": "not-found"}
                    return HTTPStatus.OK, {"status": job.status, "message": job.message}
        return HTTPStatus.NOT_FOUND, {"error": "not-found"}

    def _start(self, body: bytes) -> Answer:
        job = _parse(body)
        if isinstance(job, str):
            return _invalid(job)
        with self._lock:
            self._jobs[job.sign_request["transactionRequestId"]] = job
        threading.Thread(target=self._work, args=(job,), daemon=True).start()
        return HTTPStatus.OK, {"status": STARTING, "message": ""}

    def _set(self, job: _Job, status: str, message: str = "") -> None:
        with self._lock:
            job.status, job.message = status, message

    def _work(self, job: _Job) -> None:
        self._set(job, SESSION)
        self._set(job, IN_PROGRESS)
        try:
            status, message = self._sign_and_upload(job)
        except Exception as exc:  # a bug ends this job, never the server
            log.exception("copper_sim.cuo_failed", node_id=self.node_id)
            status, message = ERROR, f"internal error: {type(exc).__name__}"
        self._set(job, status, message)
        log.info("copper_sim.cuo_done", node_id=self.node_id, status=status)

    def _sign_and_upload(self, job: _Job) -> tuple[str, str]:
        name = job.key_filename
        if "/" in name or "\\" in name or ".." in name:
            return ERROR, "keyFilename must name a file in the keys directory"
        try:
            shard_id, secret = read_shard_file(self.keys_dir / name, job.key_password)
        except ShardFileError as exc:
            return ERROR, str(exc)
        request_hash = sign_request_hash(job.sign_request)
        signature = part_signature(secret, request_hash)
        upload = {
            "shardId": shard_id,
            "transactionRequestId": job.sign_request["transactionRequestId"],
            "signRequestHash": request_hash,
            "signature": signature,
        }
        return self._upload(job, upload)

    def _upload(self, job: _Job, upload: dict[str, str]) -> tuple[str, str]:
        path = f"/platform/orders/{quote(str(job.sign_request['orderId']), safe='')}"
        body = json.dumps(upload).encode()
        headers = signed_headers(job.api_key, job.api_secret, "PATCH", path, body)
        headers["Content-Type"] = UPLOAD_PART_SIGNED_TX
        try:
            response = requests.patch(
                self.platform_url + path, data=body, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as exc:
            return ERROR, f"platform unreachable: {type(exc).__name__}"
        if response.status_code == HTTPStatus.OK:
            return COMPLETED, upload["signature"]
        try:
            answer = response.json()
            refusal = f"{answer.get('error')}: {answer.get('message', '')}"
        except (ValueError, AttributeError):
            refusal = response.text[:200]
        return ERROR, f"platform refused (HTTP {response.status_code}) {refusal}"
