"""Pocket recipients a vault payout can never reach, read from the chain's answer for the account.

The bank module never credits a module account (cosmos-sdk x/bank ``BlockedAddr``; on poktroll
the fee collector, distribution, mint and the bonded / not-bonded pools), and a payout from the
vault to the vault itself pays nobody. A burn to such an address can only fail: its release is
refused before any fee, and the burned wPOKT is minted back to the burner instead.
"""

from __future__ import annotations

from collections.abc import Collection

from wpokt_node.pokt.client import PocketClient

RECIPIENT_IS_MODULE_ACCOUNT = "recipient_is_module_account"
RECIPIENT_IS_THE_VAULT = "recipient_is_the_vault"
UNPAYABLE_RECIPIENTS: tuple[str, ...] = (RECIPIENT_IS_MODULE_ACCOUNT, RECIPIENT_IS_THE_VAULT)


def unpayable_recipient(pokt: PocketClient, vaults: Collection[str], recipient: str) -> str | None:
    """Why ``recipient`` can never be paid from the vault (one of ``UNPAYABLE_RECIPIENTS``), or
    None if it can. ``vaults``: the bridge's own (current and retired): a payout into one of
    them pays nobody. An account the chain does not know yet can be paid (sending creates it)."""
    if recipient in vaults:
        return RECIPIENT_IS_THE_VAULT
    data = pokt.query(f"/cosmos/auth/v1beta1/accounts/{recipient}", not_found_ok=True)
    account = (data or {}).get("account")
    if isinstance(account, dict) and str(account.get("@type", "")).endswith("ModuleAccount"):
        return RECIPIENT_IS_MODULE_ACCOUNT
    return None
