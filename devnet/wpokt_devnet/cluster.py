"""A complete local bridge on one machine: database, anvil, Pocket simulator, N nodes.

``up`` starts every service detached (own session, pid recorded in ``DIR/devnet.json``),
deploys the contracts, generates every key, creates the T-of-N vault, funds the test users,
writes one config per node and starts the nodes; ``down`` stops everything by pid. Keys are
devnet keys kept in ``DIR/keys.json`` (mode 0600); each node reads its own from encrypted
keystores in ``DIR/nodes/<id>/keys/`` (the lowest Argon2id cost the loader accepts, a random
password in a 0600 file beside them); never use this launcher for real funds.

Keys, keystores, node configs, contract deployment and the Pocket genesis are built in
``cluster_config`` (shared with ``devnet setup``); this module runs the processes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from wpokt_devnet import monitoring
from wpokt_devnet.anvil import find_anvil
from wpokt_devnet.cluster_config import (
    COPPER,
    ETH_CHAIN_ID,
    GROUP,
    MULTISIG,
    DevnetOptions,
    NodeEndpoints,
    create_devnet_group_vault,
    deploy_cluster_contracts,
    generate_keys,
    keystore_section,
    node_settings,
    pokt_genesis,
    write_keystores,
)
from wpokt_devnet.copper_devnet import copper_ready, start_copper_sim
from wpokt_devnet.mongo import free_port, ping
from wpokt_devnet.processes import Service, is_alive, kill_hard, spawn, stop, write_private
from wpokt_node.db.bootstrap import init_db
from wpokt_node.db.client import connect
from wpokt_node.db.command_profile import PROFILE_DIR_ENV
from wpokt_node.errors import WpoktError
from wpokt_node.node.status import node_health

STATE_FILE = "devnet.json"
VAULT_KINDS = {GROUP: "group policy", MULTISIG: "legacy multisig", COPPER: "Copper"}
KEYS_FILE = "keys.json"


class DevnetError(WpoktError):
    """The devnet could not be started, found or stopped."""


@dataclass
class Devnet:
    """A devnet directory and what ``devnet.json`` says about it."""

    dir: Path
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> Devnet:
        path = directory / STATE_FILE
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DevnetError(
                f"no devnet in {directory} (no {STATE_FILE}); run `devnet up`"
            ) from None
        except (OSError, ValueError) as exc:
            raise DevnetError(f"{path} is unreadable: {exc}") from None
        return cls(directory, state)

    def save(self) -> None:
        path = self.dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(path)

    # --- facts -----------------------------------------------------------------------------

    @property
    def mongodb_uri(self) -> str:
        return str(self.state["mongodb_uri"])

    @property
    def database(self) -> str:
        return str(self.state["database"])

    @property
    def eth_url(self) -> str:
        return str(self.state["eth_rpc_url"])

    @property
    def pokt_url(self) -> str:
        return str(self.state["pokt_rest_url"])

    @property
    def node_ids(self) -> list[str]:
        return [str(n) for n in self.state["node_ids"]]

    def config_path(self, node_id: str) -> Path:
        return self.dir / "nodes" / node_id / "config.yaml"

    def keys(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.dir / KEYS_FILE).read_text(encoding="utf-8"))
        return data

    def services(self) -> dict[str, Service]:
        return {
            name: Service.from_json(raw) for name, raw in self.state.get("services", {}).items()
        }

    def _record(self, service: Service) -> None:
        self.state.setdefault("services", {})[service.name] = service.to_json()
        self.save()

    # --- nodes -----------------------------------------------------------------------------

    def node_keys_dir(self, node_id: str) -> Path:
        return self.dir / "nodes" / node_id / "keys"

    def node_env(self, node_id: str) -> dict[str, str]:
        """This environment without the node's own settings (``WPOKT_*``), but for the
        benchmark's database command profile."""
        return {k: v for k, v in os.environ.items()
                if not k.startswith("WPOKT_") or k == PROFILE_DIR_ENV}  # fmt: skip

    def start_node(self, node_id: str) -> Service:
        argv = [sys.executable, "-m", "wpokt_node.node.cli", "run", "--config"]
        argv.append(str(self.config_path(node_id)))
        service = spawn(
            node_id, argv, self.dir / "logs" / f"{node_id}.log", env=self.node_env(node_id)
        )
        self._record(service)
        return service

    def restart_service(self, name: str, down_s: float = 0.0) -> Service:
        """Stop a service (e.g. ``database``) and start it again with the same command line."""
        old = self.services()[name]
        stop([old])
        time.sleep(down_s)
        service = spawn(name, old.argv, Path(old.log))
        self._record(service)
        if name == "database":
            _wait("the database", lambda: ping(self.mongodb_uri), 30, service)
        return service

    def kill_node(self, node_id: str) -> None:
        """SIGKILL a node and all its workers (fault injection)."""
        kill_hard(self.services()[node_id])

    def stop_node(self, node_id: str) -> None:
        stop([self.services()[node_id]])

    def node_alive(self, node_id: str) -> bool:
        service = self.services().get(node_id)
        return service is not None and is_alive(service.pid)

    def wait_healthy(
        self,
        node_ids: list[str] | None = None,
        timeout_s: float = 240.0,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        wanted = node_ids or self.node_ids
        db = connect(self.mongodb_uri, self.database)
        try:
            deadline = time.monotonic() + timeout_s
            healthy: set[str] = set()
            while True:
                for node_id in wanted:
                    if node_id in healthy:
                        continue
                    if not self.node_alive(node_id):
                        raise DevnetError(
                            f"{node_id} exited; see {self.dir / 'logs' / (node_id + '.log')}"
                        )
                    if all(w.healthy for w in node_health(db, node_id, 30.0)):
                        healthy.add(node_id)
                        if progress:
                            progress(f"{node_id} healthy ({len(healthy)}/{len(wanted)})")
                if len(healthy) == len(wanted):
                    return
                if time.monotonic() > deadline:
                    missing = sorted(set(wanted) - healthy)
                    raise DevnetError(f"nodes not healthy after {timeout_s:.0f}s: {missing}")
                time.sleep(0.5)
        finally:
            db.client.close()


def _wait(what: str, probe: Callable[[], bool], timeout_s: float, service: Service) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(service.pid):
            raise DevnetError(f"{what} exited during start-up; see {service.log}")
        try:
            if probe():
                return
        except (requests.RequestException, OSError, ValueError):
            pass
        time.sleep(0.1)
    raise DevnetError(f"{what} did not become ready in {timeout_s:.0f}s; see {service.log}")


def _eth_ready(url: str) -> bool:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    return requests.post(url, json=body, timeout=2).status_code == 200


def _pokt_ready(url: str) -> bool:
    return (
        requests.get(url + "/cosmos/base/tendermint/v1beta1/blocks/latest", timeout=2).status_code
        == 200
    )


def keys_section(devnet: Devnet, node_id: str) -> dict[str, Any]:
    """The ``keys`` config of a devnet node: its keystores and their password file."""
    return keystore_section(devnet.node_keys_dir(node_id))


def write_node_keystores(devnet: Devnet, node_id: str) -> None:
    """Encrypt the node's three keys (from ``keys.json``) into the keystores its config names."""
    write_keystores(devnet.node_keys_dir(node_id), node_id, devnet.keys()["nodes"][node_id])


def node_config(
    devnet: Devnet, node_id: str, options: DevnetOptions, facts: Mapping[str, Any]
) -> dict[str, Any]:
    endpoints = NodeEndpoints(
        mongodb_uri=devnet.mongodb_uri,
        database=devnet.database,
        eth_url=devnet.eth_url,
        pokt_url=devnet.pokt_url,
        keys_dir=devnet.node_keys_dir(node_id),
        journal_path=devnet.dir / "nodes" / node_id / "journal.sqlite3",
        pushgateway_url=devnet.state.get("pushgateway_url"),
    )
    return node_settings(node_id, options, facts, endpoints)


def up(
    directory: Path, options: DevnetOptions, progress: Callable[[str], None] | None = None
) -> Devnet:
    """Start a whole devnet in ``directory``; on any failure everything started is stopped."""
    say = progress or (lambda _message: None)
    try:
        options.check()
    except ValueError as exc:
        raise DevnetError(str(exc)) from None
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / STATE_FILE).exists():
        existing = Devnet.load(directory)
        if any(is_alive(s.pid) for s in existing.services().values()):
            raise DevnetError(f"a devnet is already running in {directory}; run `devnet down`")
        _forget(directory)  # a new devnet: the old one's chain state, database and journals go
    node_ids = [f"node-{i:02d}" for i in range(1, options.nodes + 1)]
    devnet = Devnet(directory, {"node_ids": node_ids, "options": options_json(options)})
    devnet.save()
    try:
        _start_services(devnet, options, say)
        facts = _bootstrap_chains(devnet, options, node_ids, say)
        for node_id in node_ids:
            path = devnet.config_path(node_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_node_keystores(devnet, node_id)
            path.write_text(
                yaml.safe_dump(node_config(devnet, node_id, options, facts), sort_keys=False),
                encoding="utf-8",
            )
        say(f"starting {len(node_ids)} nodes")
        for node_id in node_ids:
            devnet.start_node(node_id)
        devnet.wait_healthy(timeout_s=options.healthy_timeout_s, progress=say)
    except BaseException:
        down(directory)
        raise
    return devnet


def _forget(directory: Path) -> None:
    """Remove what a stopped devnet left in ``directory``: the Pocket simulator would restore
    its old chain state, and the old database and journals belong to other chains."""
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def options_json(options: DevnetOptions) -> dict[str, Any]:
    """The options as ``devnet.json`` keeps them (``round_trip`` reads the vault's fee there)."""
    data = {k: getattr(options, k) for k in DevnetOptions.__dataclass_fields__}
    data["mongodb_uri"] = None  # may hold a password; the effective URI is stored separately
    return data


def _start_services(devnet: Devnet, options: DevnetOptions, say: Callable[[str], None]) -> None:
    logs = devnet.dir / "logs"
    if options.mongodb_uri:
        devnet.state["mongodb_uri"] = options.mongodb_uri
    else:
        port = free_port()
        argv = [sys.executable, "-m", "wpokt_node.node.cli", "devnet", "db-serve"]
        argv += ["--dir", str(devnet.dir / "db"), "--port", str(port)]
        service = spawn("database", argv, logs / "database.log")
        devnet._record(service)
        uri = f"mongodb://127.0.0.1:{port}"
        _wait("the database", lambda: ping(uri), 30, service)
        devnet.state["mongodb_uri"] = uri
    devnet.state["database"] = options.database
    say(f"database ready at {devnet.state['mongodb_uri'].split('@')[-1]}")

    port = free_port()
    argv = [str(find_anvil()), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--chain-id", str(ETH_CHAIN_ID), "--silent"]
    if options.eth_block_time_s > 0:
        argv += ["--block-time", str(options.eth_block_time_s)]
    service = spawn("anvil", argv, logs / "anvil.log")
    devnet._record(service)
    devnet.state["eth_rpc_url"] = f"http://127.0.0.1:{port}"
    _wait("anvil", lambda: _eth_ready(devnet.eth_url), 30, service)
    say(f"anvil ready at {devnet.eth_url}")
    if options.metrics:
        devnet.state.update(monitoring.start(devnet.dir, devnet._record, say))
    devnet.save()


def _bootstrap_chains(
    devnet: Devnet, options: DevnetOptions, node_ids: list[str], say: Callable[[str], None]
) -> dict[str, Any]:
    keys = generate_keys(node_ids)
    write_private(devnet.dir / KEYS_FILE, json.dumps(keys, indent=2))
    facts = deploy_cluster_contracts(devnet.eth_url, keys, node_ids, options, say)

    genesis_path = devnet.dir / "pokt-genesis.json"
    genesis = pokt_genesis(options, facts, devnet.dir / "pokt-state.json")
    genesis_path.write_text(json.dumps(genesis, indent=2), encoding="utf-8")
    port = free_port()
    argv = [sys.executable, "-m", "wpokt_node.node.cli", "devnet", "pokt", "--port", str(port)]
    argv += ["--genesis", str(genesis_path)]
    service = spawn("pokt-sim", argv, devnet.dir / "logs" / "pokt-sim.log")
    devnet._record(service)
    devnet.state["pokt_rest_url"] = f"http://127.0.0.1:{port}"
    _wait("the Pocket simulator", lambda: _pokt_ready(devnet.pokt_url), 30, service)
    if options.custody == GROUP:
        facts["vault"] = create_devnet_group_vault(devnet.pokt_url, keys, node_ids[0], options)
    if options.custody == COPPER:
        facts.update(_start_copper(devnet, options, keys, node_ids, say))
    kind = VAULT_KINDS[options.custody]
    say(
        f"Pocket simulator ready at {devnet.pokt_url} (tx_sig_limit {options.tx_sig_limit}); "
        f"vault {facts['vault']}: {options.threshold}-of-{options.nodes} {kind}"
    )

    db = connect(devnet.mongodb_uri, devnet.database)
    try:
        init_db(db)
    finally:
        db.client.close()

    devnet.state.update(facts)
    devnet.save()
    return facts


def _start_copper(
    devnet: Devnet,
    options: DevnetOptions,
    keys: Mapping[str, Any],
    node_ids: list[str],
    say: Callable[[str], None],
) -> dict[str, Any]:
    service, facts = start_copper_sim(
        devnet.dir,
        keys,
        node_ids,
        threshold=options.threshold,
        pokt_url=devnet.pokt_url,
        eth_url=devnet.eth_url,
        fee_upokt=options.fee_upokt,
    )
    devnet._record(service)
    url = str(facts["copper_platform_url"])
    _wait("the Copper simulator", lambda: copper_ready(url), 30, service)
    say(f"Copper simulator ready at {url}: {options.nodes} shards, {options.threshold} to sign")
    return facts


def down(directory: Path) -> list[str]:
    """Stop every service of the devnet in ``directory``: nodes first, then the chains and
    the database. Returns the names that had to be killed."""
    devnet = Devnet.load(directory.resolve())
    services = devnet.services()
    node_names = {*devnet.node_ids, *devnet.state.get("successor_ids", [])}
    nodes = [s for name, s in services.items() if name in node_names]
    others = [s for name, s in services.items() if name not in node_names]
    killed = stop(nodes, grace_s=12.0) + stop(list(reversed(others)), grace_s=10.0)
    devnet.state["services"] = {}
    devnet.save()
    return killed
