"""Devnet options: mainnet's tx_sig_limit, and the vault kinds it allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from wpokt_devnet.cluster_config import GROUP, MULTISIG, DevnetOptions, pokt_genesis
from wpokt_devnet.pokt_sim.genesis import genesis_from_dict


def test_the_devnet_runs_mainnets_tx_sig_limit_with_a_group_vault_by_default() -> None:
    options = DevnetOptions()
    options.check()
    assert (options.custody, options.tx_sig_limit, options.nodes) == (GROUP, 7, 12)
    facts = {"pokt_user": "pokt1ezf4j2g9vswjvp75gjykexcujdmmw4p8fwjra9", "member_accounts": []}
    genesis = genesis_from_dict(pokt_genesis(options, facts, Path(__file__)))
    assert genesis.auth_params.tx_sig_limit == 7


def test_a_twelve_key_multisig_is_refused_naming_the_limit_and_the_group_vault() -> None:
    refusal = r"12-key multisig vault can never pay out at tx_sig_limit 7"
    with pytest.raises(ValueError, match=refusal) as refused:
        DevnetOptions(custody=MULTISIG).check()
    assert "--custody group" in str(refused.value)
    DevnetOptions(nodes=7, threshold=5, custody=MULTISIG).check()  # at the limit: fine
