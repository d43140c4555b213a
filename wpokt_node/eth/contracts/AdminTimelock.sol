// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title The wPOKT contracts' admin outside devnet
/// @notice Holds the token's DEFAULT_ADMIN_ROLE, which sets the MintController's validators and
/// threshold and grants every role. Only the operators' multisig (a contract) proposes, executes
/// and cancels; every change waits `minDelay`, so the twelve operators see a governance change
/// coming (the nodes' governance watch) before it takes effect. Nobody administers the timelock
/// but itself: its roles change only through its own delayed operations.
contract AdminTimelock is TimelockController {
    error MultisigWithoutCode(address multisig);

    constructor(uint256 minDelay, address multisig)
        TimelockController(minDelay, _only(multisig), _only(multisig), address(0))
    {}

    function _only(address multisig) private view returns (address[] memory list) {
        if (multisig.code.length == 0) {
            revert MultisigWithoutCode(multisig);
        }
        list = new address[](1);
        list[0] = multisig;
    }
}
