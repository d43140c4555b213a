// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title Wrapped POKT (wPOKT)
/// @notice ERC-20 minted 1:1 for POKT locked on Pocket and burned to bridge back.
/// Interface-compatible with the deployed wPOKT token: per-recipient sequential mint nonces,
/// `Minted` / `BurnAndBridge` events, pausable, plain `burn` disabled.
contract WrappedPocket is ERC20Pausable, AccessControl {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    mapping(address user => uint256 nonce) private _userNonces;

    event Minted(address indexed recipient, uint256 indexed amount, uint256 indexed nonce);
    event BurnAndBridge(uint256 indexed amount, address indexed poktAddress, address indexed from);

    error UserNonce(address user, uint256 nonce);
    error BlockBurn();

    constructor(address admin) ERC20("Wrapped POKT", "wPOKT") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice The last nonce minted to `user`; the next mint to `user` must use this + 1.
    function getUserNonce(address user) external view returns (uint256) {
        return _userNonces[user];
    }

    function mint(address to, uint256 amount, uint256 nonce) external onlyRole(MINTER_ROLE) {
        if (nonce != _userNonces[to] + 1) {
            revert UserNonce(to, nonce);
        }
        _userNonces[to] = nonce;
        _mint(to, amount);
        emit Minted(to, amount, nonce);
    }

    /// @notice Burn the caller's tokens; the bridge pays `amount` POKT to `poktAddress`.
    function burnAndBridge(uint256 amount, address poktAddress) external {
        _burn(msg.sender, amount);
        emit BurnAndBridge(amount, poktAddress, msg.sender);
    }

    /// @notice Burning without bridging is disabled: it would destroy the holder's claim.
    function burn(uint256) external pure {
        revert BlockBurn();
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
