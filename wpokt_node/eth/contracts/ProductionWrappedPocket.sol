// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title ProductionWrappedPocket (devnet "production" profile)
/// @notice Behaves like the deployed wPOKT token, pokt-network/wpokt `src/WrappedPocket.sol`
/// (commit bdad8aa; deployed from 9ad8043), ported to OpenZeppelin 5: the optional mint fee
/// (`Minted` carries the net amount; a gross amount not a multiple of 10 000 reverts while the
/// fee is on), `burnFrom` without `BurnAndBridge`, the deployer as admin. Test fixture only:
/// the node never deploys it.
contract ProductionWrappedPocket is ERC20, ERC20Burnable, ERC20Pausable, AccessControl {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    uint256 public constant BASIS_POINTS = 10000;
    uint256 public constant MAX_FEE_BASIS = 300;

    bool public feeFlag;
    uint256 public feeBasis;
    address public feeCollector;

    mapping(address user => uint256 nonce) private _userNonces;

    event FeeSet(bool indexed flag, uint256 indexed newFeeBasis, address indexed feeCollector);
    event FeeCollected(address indexed feeCollector, uint256 indexed amount);
    event BurnAndBridge(uint256 indexed amount, address indexed poktAddress, address indexed from);
    event Minted(address indexed recipient, uint256 indexed amount, uint256 indexed nonce);

    error UserNonce(address user, uint256 nonce);
    error FeeCollectorZero();
    error FeeBasisDust();
    error MaxBasis();
    error BlockBurn();

    constructor() ERC20("Wrapped Pocket", "wPOKT") {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function getUserNonce(address user) public view returns (uint256) {
        return _userNonces[user];
    }

    function mint(address to, uint256 amount, uint256 nonce)
        public
        onlyRole(MINTER_ROLE)
        whenNotPaused
    {
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

    function burnAndBridge(uint256 amount, address poktAddress) public whenNotPaused {
        _burn(msg.sender, amount);
        emit BurnAndBridge(amount, poktAddress, msg.sender);
    }

    function burn(uint256) public pure override {
        revert BlockBurn();
    }

    function setFee(bool flag, uint256 newFee, address newCollector)
        public
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

    function pause() public onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() public onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _collectFee(uint256 amount) internal returns (uint256) {
        if (amount % BASIS_POINTS != 0) {
            revert FeeBasisDust();
        }
        uint256 fee = (amount * feeBasis) / BASIS_POINTS;
        _mint(feeCollector, fee);
        emit FeeCollected(feeCollector, fee);
        return amount - fee;
    }

    function _update(address from, address to, uint256 value)
        internal
        override(ERC20, ERC20Pausable)
    {
        super._update(from, to, value);
    }
}
