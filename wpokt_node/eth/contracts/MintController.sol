// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

interface IWrappedPocket {
    function mint(address to, uint256 amount, uint256 nonce) external;

    function hasRole(bytes32 role, address account) external view returns (bool);
}

/// @title MintController
/// @notice Mints wPOKT when a threshold of validators signed the EIP-712 `MintData`.
/// Interface-compatible with the deployed controller; signature checks are strict: every
/// signature must recover to a validator, in strictly increasing signer address order. The
/// threshold is a majority (2 * threshold > validators) after every change of it or of the set.
contract MintController is EIP712 {
    struct MintData {
        address recipient;
        uint256 amount;
        uint256 nonce;
    }

    bytes32 public constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 public constant MINT_DATA_TYPEHASH =
        keccak256("MintData(address recipient,uint256 amount,uint256 nonce)");

    IWrappedPocket public immutable wPokt;

    mapping(address validator => bool isValidator) public validators;
    uint256 public validatorCount;
    uint256 public signerThreshold;

    uint256 public maxMintLimit;
    uint256 public mintPerSecond;
    uint256 public lastMint;
    uint256 private _lastMintLimit;

    event NewValidator(address indexed validator);
    event RemovedValidator(address indexed validator);
    event SignerThresholdSet(uint256 indexed ratio);
    event MintCooldownSet(uint256 newLimit, uint256 newCooldown);
    event CurrentMintLimit(uint256 indexed limit, uint256 indexed lastMint);

    error NonAdmin();
    error NonZero();
    error InvalidAddValidator();
    error InvalidRemoveValidator();
    error BelowMinThreshold();
    error InvalidSignatureRatio();
    error InvalidCooldownConfig();
    error OverMintLimit();
    error InvalidSignatures();
    error NotEnoughSignatures(uint256 given, uint256 threshold);
    error NonValidatorSigner(address signer);
    error DuplicateSigner(address signer);
    error UnsortedSigners(address previous, address signer);
    error NoMajority(uint256 threshold, uint256 validators);

    constructor(address token, uint256 initialMaxMintLimit, uint256 initialMintPerSecond)
        EIP712("MintController", "1")
    {
        if (token == address(0)) {
            revert NonZero();
        }
        if (initialMintPerSecond == 0 || initialMaxMintLimit < initialMintPerSecond) {
            revert InvalidCooldownConfig();
        }
        wPokt = IWrappedPocket(token);
        maxMintLimit = initialMaxMintLimit;
        mintPerSecond = initialMintPerSecond;
        _lastMintLimit = initialMaxMintLimit;
        lastMint = block.timestamp;
    }

    modifier onlyAdmin() {
        if (!wPokt.hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NonAdmin();
        }
        _;
    }

    /// @notice Add a validator; while a threshold is set it must stay a majority of the new set.
    function addValidator(address validator) external onlyAdmin {
        _add(validator);
        _requireMajority();
    }

    function removeValidator(address validator) external onlyAdmin {
        _remove(validator);
        if (validatorCount < signerThreshold) {
            revert BelowMinThreshold();
        }
    }

    /// @notice Signatures needed per mint: a majority of the validators, at most all of them.
    function setSignerThreshold(uint256 threshold) external onlyAdmin {
        if (threshold == 0 || threshold > validatorCount) {
            revert InvalidSignatureRatio();
        }
        signerThreshold = threshold;
        _requireMajority();
        emit SignerThresholdSet(threshold);
    }

    /// @notice One atomic change of the set and the threshold (e.g. moving to a new key set):
    /// `remove`, then `add`, then `threshold`, which must be a majority of the result.
    function updateValidators(address[] calldata add, address[] calldata remove, uint256 threshold)
        external
        onlyAdmin
    {
        for (uint256 i = 0; i < remove.length; ++i) {
            _remove(remove[i]);
        }
        for (uint256 i = 0; i < add.length; ++i) {
            _add(add[i]);
        }
        if (threshold == 0 || threshold > validatorCount) {
            revert InvalidSignatureRatio();
        }
        signerThreshold = threshold;
        _requireMajority();
        emit SignerThresholdSet(threshold);
    }

    function _add(address validator) private {
        if (validator == address(0)) {
            revert NonZero();
        }
        if (validators[validator]) {
            revert InvalidAddValidator();
        }
        validators[validator] = true;
        validatorCount += 1;
        emit NewValidator(validator);
    }

    function _remove(address validator) private {
        if (!validators[validator]) {
            revert InvalidRemoveValidator();
        }
        validators[validator] = false;
        validatorCount -= 1;
        emit RemovedValidator(validator);
    }

    /// A threshold of 0 (none set yet) mints nothing; any other must be a strict majority.
    function _requireMajority() private view {
        uint256 threshold = signerThreshold;
        if (threshold != 0 && 2 * threshold <= validatorCount) {
            revert NoMajority(threshold, validatorCount);
        }
    }

    /// @notice Rate limit: at most `newLimit` at once, refilled by `newMintPerSecond` per second.
    function setMintCooldown(uint256 newLimit, uint256 newMintPerSecond) external onlyAdmin {
        if (newMintPerSecond == 0 || newLimit < newMintPerSecond) {
            revert InvalidCooldownConfig();
        }
        uint256 available = currentMintLimit();
        _lastMintLimit = available < newLimit ? available : newLimit;
        lastMint = block.timestamp;
        maxMintLimit = newLimit;
        mintPerSecond = newMintPerSecond;
        emit MintCooldownSet(newLimit, newMintPerSecond);
    }

    /// @notice Mint `data.amount` to `data.recipient` with validator signatures over `data`.
    function mintWrappedPocket(MintData calldata data, bytes[] calldata signatures) external {
        _verify(data, signatures);
        uint256 remaining = _consumeMintLimit(data.amount);
        wPokt.mint(data.recipient, data.amount, data.nonce);
        emit CurrentMintLimit(remaining, lastMint);
    }

    /// @notice The EIP-712 digest validators sign for `data`.
    function hashMintData(MintData calldata data) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(MINT_DATA_TYPEHASH, data.recipient, data.amount, data.nonce))
        );
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice What can be minted now (the stored limit plus the refill since the last mint).
    function currentMintLimit() public view returns (uint256) {
        uint256 cap = maxMintLimit;
        uint256 stored = _lastMintLimit;
        if (stored >= cap) {
            return cap;
        }
        uint256 elapsed = block.timestamp - lastMint;
        if (mintPerSecond != 0 && elapsed > (cap - stored) / mintPerSecond) {
            return cap;
        }
        uint256 refilled = stored + elapsed * mintPerSecond;
        return refilled < cap ? refilled : cap;
    }

    function lastMintLimit() external view returns (uint256) {
        return _lastMintLimit;
    }

    function _verify(MintData calldata data, bytes[] calldata signatures) private view {
        uint256 threshold = signerThreshold;
        if (threshold == 0) {
            revert InvalidSignatures();
        }
        if (signatures.length < threshold) {
            revert NotEnoughSignatures(signatures.length, threshold);
        }
        bytes32 digest = hashMintData(data);
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recover(digest, signatures[i]);
            if (!validators[signer]) {
                revert NonValidatorSigner(signer);
            }
            if (signer == previous) {
                revert DuplicateSigner(signer);
            }
            if (signer < previous) {
                revert UnsortedSigners(previous, signer);
            }
            previous = signer;
        }
    }

    function _consumeMintLimit(uint256 amount) private returns (uint256) {
        uint256 available = currentMintLimit();
        if (amount > available) {
            revert OverMintLimit();
        }
        uint256 remaining = available - amount;
        _lastMintLimit = remaining;
        lastMint = block.timestamp;
        return remaining;
    }
}
