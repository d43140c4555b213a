// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title Wrapped POKT (wPOKT)
/// @notice ERC-20 minted 1:1 for POKT locked on Pocket and burned to bridge back.
/// Interface-compatible with the deployed wPOKT token: per-recipient sequential mint nonces,
/// `Minted` / `BurnAndBridge` events, the optional mint fee (`Minted` carries the net amount),
/// pausable, plain `burn` disabled. Stricter where the deployed token accepts nonsense: no zero
/// admin, no burn of nothing or to the zero Pocket address.
contract WrappedPocket is ERC20Pausable, AccessControl {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    uint256 public constant BASIS_POINTS = 10000;
    uint256 public constant MAX_FEE_BASIS = 300;

    bool public feeFlag;
    uint256 public feeBasis;
    address public feeCollector;

    mapping(address user => uint256 nonce) private _userNonces;

    event Minted(address indexed recipient, uint256 indexed amount, uint256 indexed nonce);
    event BurnAndBridge(uint256 indexed amount, address indexed poktAddress, address indexed from);
    event FeeSet(bool indexed flag, uint256 indexed newFeeBasis, address indexed feeCollector);
    event FeeCollected(address indexed feeCollector, uint256 indexed amount);

    error UserNonce(address user, uint256 nonce);
    error BlockBurn();
    error ZeroAddress();
    error ZeroAmount();
    error FeeCollectorZero();
    error FeeBasisDust();
    error MaxBasis();

    constructor(address admin) ERC20("Wrapped POKT", "wPOKT") {
        if (admin == address(0)) {
            revert ZeroAddress();
        }
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
        if (feeFlag) {
            amount = _collectFee(amount);
        }
        _userNonces[to] = nonce;
        _mint(to, amount);
        emit Minted(to, amount, nonce);
    }

    /// @notice Burn the caller's tokens; the bridge pays `amount` POKT to `poktAddress`.
    function burnAndBridge(uint256 amount, address poktAddress) external {
        if (amount == 0) {
            revert ZeroAmount();
        }
        if (poktAddress == address(0)) {
            revert ZeroAddress();
        }
        _burn(msg.sender, amount);
        emit BurnAndBridge(amount, poktAddress, msg.sender);
    }

    /// @notice Burning without bridging is disabled: it would destroy the holder's claim.
    function burn(uint256) external pure {
        revert BlockBurn();
    }

    /// @notice The mint fee: `newFee` basis points (at most 3 %) of every mint while `flag` is
    /// set, minted to `newCollector`; then a gross amount must be a multiple of 10 000.
    function setFee(bool flag, uint256 newFee, address newCollector)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (newCollector == address(0) && flag) {
            revert FeeCollectorZero();
        }
        if (newFee > MAX_FEE_BASIS) {
            revert MaxBasis();
        }
        feeBasis = newFee;
        feeFlag = flag;
        feeCollector = newCollector;
        emit FeeSet(flag, newFee, newCollector);
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _collectFee(uint256 amount) private returns (uint256) {
        if (amount % BASIS_POINTS != 0) {
            revert FeeBasisDust();
        }
        uint256 fee = (amount * feeBasis) / BASIS_POINTS;
        _mint(feeCollector, fee);
        emit FeeCollected(feeCollector, fee);
        return amount - fee;
    }
}
