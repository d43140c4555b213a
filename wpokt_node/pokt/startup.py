"""Pocket-side startup checks: the node refuses to run when chain and config disagree."""

from __future__ import annotations

from wpokt_node.config import PocketCustody, Settings
from wpokt_node.errors import StartupCheckError, ValidationError
from wpokt_node.pokt.client import PocketClient
from wpokt_node.pokt.group_reads import GroupReader
from wpokt_node.pokt.group_vault import group_vault_problems, resolve_custody
from wpokt_node.pokt.multisig import MultisigPubKey, compressed_pubkey, same_address
from wpokt_node.pokt.responses import Account, AuthParams


def vault_multisig(member_public_keys: list[str], threshold: int) -> MultisigPubKey:
    try:
        return MultisigPubKey.from_hex_keys(threshold, member_public_keys)
    except ValidationError as exc:
        raise StartupCheckError(f"pocket.member_public_keys: {exc}") from None


def check_vault_address(vault_address: str, multisig: MultisigPubKey) -> None:
    derived = multisig.address()
    if not same_address(vault_address, derived):
        raise StartupCheckError(
            f"pocket.vault_address is {vault_address} but the {multisig.threshold}-of-"
            f"{multisig.size} multisig of pocket.member_public_keys is {derived}"
        )


def check_tx_sig_limit(params: AuthParams, multisig: MultisigPubKey) -> None:
    if multisig.size > params.tx_sig_limit:
        raise StartupCheckError(
            f"vault has {multisig.size} keys but the chain's tx_sig_limit is "
            f"{params.tx_sig_limit}: the chain counts every key of a multisig, so no vault "
            f"payout can be accepted until the auth param tx_sig_limit is raised to at least "
            f"{multisig.size} (or the vault uses at most {params.tx_sig_limit} keys); a group "
            f"vault has no such limit: pocket.custody 'group' and `wpokt-node vault create-group`"
        )


def check_member(own_public_key: bytes, multisig: MultisigPubKey) -> int:
    """This node's index in the vault's key order."""
    index = multisig.index_of(own_public_key)
    if index is None:
        key = compressed_pubkey(own_public_key).hex()
        raise StartupCheckError(
            f"this node's Pocket key {key} is not one of pocket.member_public_keys"
        )
    return index


def check_chain_id(actual: str, expected: str) -> None:
    if actual != expected:
        raise StartupCheckError(
            f"the Pocket REST endpoint serves chain id {actual!r} but pocket.chain_id is "
            f"{expected!r}"
        )


def check_vault_account(account: Account | None, multisig: MultisigPubKey) -> None:
    """Once the vault has signed anything, its on-chain key must be exactly our multisig."""
    if account is None or account.pubkey is None:
        return
    pubkey = account.pubkey
    try:
        on_chain = MultisigPubKey.create(pubkey.threshold or 0, pubkey.keys, sort=False)
    except ValidationError:
        on_chain = None
    if not pubkey.is_multisig or on_chain != multisig:
        raise StartupCheckError(
            f"the vault account {account.address} has an on-chain public key that is not the "
            f"configured {multisig.threshold}-of-{multisig.size} multisig"
        )


def run_pocket_startup_checks(
    client: PocketClient, settings: Settings, own_public_key: bytes
) -> PocketCustody:
    """All Pocket checks for the configured back end (group, multisig or Copper), which it
    returns."""
    check_chain_id(client.chain_id(), settings.pocket.chain_id)
    custody = resolve_custody(settings)
    if custody is PocketCustody.COPPER:
        return custody  # the vault is Copper's wallet: its keys are shards no node can see
    if custody is PocketCustody.GROUP:
        problems = group_vault_problems(GroupReader(client), settings, own_public_key)
        if problems:
            raise StartupCheckError("group vault:\n" + "\n".join(f"    - {p}" for p in problems))
        return custody
    run_multisig_checks(client, settings, own_public_key)
    return custody


def run_multisig_checks(
    client: PocketClient, settings: Settings, own_public_key: bytes
) -> MultisigPubKey:
    """The checks of a legacy multisig vault; returns the vault multisig."""
    multisig = vault_multisig(settings.pocket.member_public_keys, settings.cluster.threshold)
    check_vault_address(settings.pocket.vault_address, multisig)
    check_member(own_public_key, multisig)
    check_tx_sig_limit(client.auth_params(), multisig)
    check_vault_account(client.account(settings.pocket.vault_address), multisig)
    return multisig
