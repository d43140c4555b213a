"""A node with Copper custody refuses to start, with one clear line, when Copper refuses its
requests or its CUO does not answer; the secrets stay out of the message."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.fixtures.copper import CopperEnv
from tests.unit.test_config import example_data
from wpokt_devnet.mongo import free_port
from wpokt_devnet.processes import write_private
from wpokt_node.config import Settings, parse_settings
from wpokt_node.errors import StartupCheckError
from wpokt_node.node.context import NodeContext
from wpokt_node.node.startup import check_copper

pytestmark = [pytest.mark.pokt]


def _context(env: CopperEnv, tmp_path: Path, **changes: Any) -> NodeContext:
    node = env.nodes[0]
    files = {"api-key": node.api_key, "api-secret": node.api_secret, "pw": node.key_password}
    for name, text in {**files, **changes.pop("files", {})}.items():
        write_private(tmp_path / name, text + "\n")
    data = example_data()
    data["pocket"]["custody"] = "copper"
    data["copper"] = {
        "api_url": env.platform_url,
        "portfolio_id": env.sim.config.portfolio_id,
        "api_key": {"file": str(tmp_path / "api-key")},
        "api_secret": {"file": str(tmp_path / "api-secret")},
        "cuo_url": env.sim.cuo_urls[node.node_id],
        "key_filename": node.key_filename,
        "key_password": {"file": str(tmp_path / "pw")},
        "request_timeout_s": 2,
        "attempts": 1,
        **changes,
    }
    settings: Settings = parse_settings(data, {})
    return cast(NodeContext, SimpleNamespace(settings=settings, token=None))


def test_given_good_credentials_and_a_running_cuo_then_the_check_passes(
    copper_pokt_env: CopperEnv, tmp_path: Path
) -> None:
    check_copper(_context(copper_pokt_env, tmp_path))


def test_given_a_wrong_api_secret_then_the_node_refuses_to_start_without_showing_it(
    copper_pokt_env: CopperEnv, tmp_path: Path
) -> None:
    context = _context(copper_pokt_env, tmp_path, files={"api-secret": "s3cr3t-wrong"})
    with pytest.raises(StartupCheckError, match="invalid-signature") as refused:
        check_copper(context)
    assert "s3cr3t-wrong" not in str(refused.value)


def test_given_no_cuo_then_the_node_refuses_to_start(
    copper_pokt_env: CopperEnv, tmp_path: Path
) -> None:
    context = _context(copper_pokt_env, tmp_path, cuo_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StartupCheckError, match="CUO"):
        check_copper(context)
