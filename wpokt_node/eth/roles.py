"""Who holds the token's powerful roles: its admin (validator set, threshold, every role) and
its minters (anyone holding ``MINTER_ROLE`` mints without the validators' signatures).

The token is an OpenZeppelin ``AccessControl``, not ``AccessControlEnumerable``: it cannot list
a role's holders. Every grant emits ``RoleGranted(role, account, sender)`` (OpenZeppelin
``contracts/access/AccessControl.sol``, ``_grantRole``; the constructor's grants too), so the
holders are found by scanning those logs from the token's deployment block and asking
``hasRole`` at the head for every account ever named: an account granted then revoked is
checked and dropped, and a reorg cannot hide a holder that still holds the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from wpokt_node.eth.client import EthClient
from wpokt_node.eth.contracts import DEFAULT_ADMIN_ROLE, MINTER_ROLE, TokenContract
from wpokt_node.eth.log_scan import LogScanner, next_scan_range

ROLE_GRANTED_TOPIC = "0x" + keccak(text="RoleGranted(bytes32,address,address)").hex()
ROLE_NAMES = {DEFAULT_ADMIN_ROLE: "DEFAULT_ADMIN_ROLE", MINTER_ROLE: "MINTER_ROLE"}
# EIP-7702: an EOA that delegated its code has code 0xef0100 || address, and is still one key
DELEGATED_EOA_PREFIX = bytes.fromhex("ef0100")


def is_contract_code(code: bytes) -> bool:
    return bool(code) and not code.startswith(DELEGATED_EOA_PREFIX)


@dataclass(frozen=True, slots=True)
class RoleExpectation:
    admin: str | None  # None: any single admin is accepted (devnet without one configured)
    controller: str
    admin_must_be_contract: bool


@dataclass(slots=True)
class RoleWatch:
    """Scans the token's grants incrementally (each ``problems()`` from where it stopped)."""

    client: EthClient
    token: TokenContract
    from_block: int
    expected: RoleExpectation
    chunk_size: int = 1000
    reorg_margin: int = 64  # blocks read again each time: a reorg or a lagging RPC hides none
    _named: dict[bytes, set[str]] = field(default_factory=dict)
    _scanned_to: int | None = None

    def problems(self) -> list[str]:
        """What differs from the expectation now: extra or missing admins and minters."""
        self._scan()
        expected = self.expected
        found: list[str] = []
        admins = self._holders(DEFAULT_ADMIN_ROLE, expected.admin)
        if expected.admin is not None and expected.admin not in admins:
            found.append(f"the configured admin {expected.admin} does not hold DEFAULT_ADMIN_ROLE")
        others = sorted(a for a in admins if a != expected.admin)
        if others and (expected.admin is not None or len(admins) > 1):
            found.append(
                f"DEFAULT_ADMIN_ROLE is held by {', '.join(sorted(admins))}, the config names "
                f"{expected.admin or 'one admin'}: an admin can change the validator set and the "
                "threshold"
            )
        minters = sorted(a for a in self._holders(MINTER_ROLE, None) if a != expected.controller)
        if minters:
            found.append(
                f"MINTER_ROLE is held by {', '.join(minters)}: only the MintController "
                f"{expected.controller} may mint (anyone else mints without the validators)"
            )
        if expected.admin_must_be_contract:
            found += [
                f"the admin {a} is an account without contract code (an EOA): outside devnet "
                "the admin must be a multisig behind a timelock"
                for a in admins
                if not is_contract_code(self.client.code_at(a))
            ]
        return found

    def _holders(self, role: bytes, also: str | None) -> set[str]:
        named = set(self._named.get(role, set()))
        if also is not None:
            named.add(also)
        return {a for a in named if self.token.has_role(role, a)}

    def _scan(self) -> None:
        head = self.client.block_number()
        first = next_scan_range(self._scanned_to, self.from_block, head, self.reorg_margin)
        if first is None:
            return
        scanner = LogScanner(self.client, self.chunk_size)
        for chunk in scanner.scan(self.token.address, [ROLE_GRANTED_TOPIC], first):
            for entry in chunk.logs:
                if len(entry.topics) < 3 or len(entry.topics[2]) != 32:
                    continue  # not the token's RoleGranted shape
                role = entry.topics[1]
                if role in ROLE_NAMES:
                    account = str(to_checksum_address(entry.topics[2][-20:]))
                    self._named.setdefault(role, set()).add(account)
            self._scanned_to = chunk.blocks.last
