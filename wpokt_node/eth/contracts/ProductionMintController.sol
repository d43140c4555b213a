// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

interface IProductionWPokt {
    function mint(address recipient, uint256 amount, uint256 nonce) external;

    function hasRole(bytes32 role, address account) external view returns (bool);
}

/// @title ProductionMintController (devnet "production" profile)
/// @notice Behaves like the deployed controller, pokt-network/wpokt `src/MintController.sol`
/// (commit bdad8aa; deployed from 9ad8043), ported to OpenZeppelin 5: signatures are counted,
/// not checked one by one (a signature of a non-validator, a duplicate or one out of ascending
/// signer order is skipped); the initial threshold is 50; the rate-limit constants are written
/// in 18-decimal units for a 6-decimal token; `setMintCooldown` compares the new limit with the
/// old rate. No `hashMintData`. Test fixture only: the node never deploys it.
contract ProductionMintController is EIP712 {
    struct MintData {
        address recipient;
        uint256 amount;
        uint256 nonce;
    }

    bytes32 public constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 private constant MINT_DATA_TYPEHASH =
        keccak256("MintData(address recipient,uint256 amount,uint256 nonce)");

    IProductionWPokt public immutable wPokt;

    mapping(address => bool) public validators;
    uint256 public validatorCount;
    uint256 public signerThreshold = 50;

    uint256 private _currentMintLimit = 335_000 ether;
    uint256 public lastMint;
    uint256 public maxMintLimit = 335_000 ether;
    uint256 public mintPerSecond = 3.8773 ether;

    error OverMintLimit();
    error NonAdmin();
    error InvalidSignatureRatio();
    error InvalidSignatures();
    error InvalidRemoveValidator();
    error InvalidAddValidator();
    error NonZero();
    error BelowMinThreshold();
    error InvalidCooldownConfig();

    event MintCooldownSet(uint256 newLimit, uint256 newCooldown);
    event NewValidator(address indexed validator);
    event RemovedValidator(address indexed validator);
    event CurrentMintLimit(uint256 indexed limit, uint256 indexed lastMint);
    event SignerThresholdSet(uint256 indexed ratio);

    constructor(address token) EIP712("MintController", "1") {
        if (token == address(0)) {
            revert NonZero();
        }
        wPokt = IProductionWPokt(token);
    }

    modifier onlyAdmin() {
        if (!wPokt.hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NonAdmin();
        }
        _;
    }

    function mintWrappedPocket(MintData calldata data, bytes[] calldata signatures) external {
        if (!_verify(data, signatures)) {
            revert InvalidSignatures();
        }
        uint256 remaining = _enforceMintLimit(data.amount);
        wPokt.mint(data.recipient, data.amount, data.nonce);
        emit CurrentMintLimit(remaining, lastMint);
    }

    function addValidator(address validator) external onlyAdmin {
        if (validator == address(0)) {
            revert NonZero();
        }
        if (validators[validator]) {
            revert InvalidAddValidator();
        }
        validators[validator] = true;
        validatorCount++;
        emit NewValidator(validator);
    }

    function removeValidator(address validator) external onlyAdmin {
        if (validatorCount - 1 < signerThreshold) {
            revert BelowMinThreshold();
        }
        if (validator == address(0)) {
            revert NonZero();
        }
        if (!validators[validator]) {
            revert InvalidRemoveValidator();
        }
        validators[validator] = false;
        validatorCount--;
        emit RemovedValidator(validator);
    }

    function setSignerThreshold(uint256 signatureRatio) external onlyAdmin {
        if (
            signatureRatio > validatorCount || signatureRatio == 0
                || validatorCount / 2 > signatureRatio
        ) {
            revert InvalidSignatureRatio();
        }
        signerThreshold = signatureRatio;
        emit SignerThresholdSet(signatureRatio);
    }

    function setMintCooldown(uint256 newLimit, uint256 newMintPerSecond) external onlyAdmin {
        if (newLimit < mintPerSecond) {
            revert InvalidCooldownConfig();
        }
        maxMintLimit = newLimit;
        mintPerSecond = newMintPerSecond;
        emit MintCooldownSet(newLimit, newMintPerSecond);
    }

    function currentMintLimit() external view returns (uint256) {
        uint256 mintable = _currentMintLimit + (block.timestamp - lastMint) * mintPerSecond;
        return mintable > maxMintLimit ? maxMintLimit : mintable;
    }

    function lastMintLimit() external view returns (uint256) {
        return _currentMintLimit;
    }

    function _enforceMintLimit(uint256 amount) internal returns (uint256) {
        uint256 mintableFromCooldown = (block.timestamp - lastMint) * mintPerSecond;
        uint256 previousMintLimit = _currentMintLimit;
        uint256 maxMintable = maxMintLimit;
        if (amount > mintableFromCooldown + previousMintLimit || amount > maxMintable) {
            revert OverMintLimit();
        }
        uint256 mintable = previousMintLimit + mintableFromCooldown;
        if (mintable > maxMintable) {
            mintable = maxMintable;
        }
        _currentMintLimit = mintable - amount;
        lastMint = block.timestamp;
        return mintable - amount;
    }

    function _verify(MintData calldata data, bytes[] calldata signatures)
        internal
        view
        returns (bool)
    {
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(MINT_DATA_TYPEHASH, data.recipient, data.amount, data.nonce))
        );
        address lastSigner;
        uint256 valid = 0;
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recover(digest, signatures[i]);
            if (validators[signer] && signer > lastSigner) {
                valid++;
                lastSigner = signer;
            }
        }
        return valid > 0 && valid >= signerThreshold;
    }
}
