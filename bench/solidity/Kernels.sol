// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// The Solidity peers of bench/kernels (same names, selectors and results). Where the EVM has
/// the operation built in it is used, as a Solidity developer would: keccak256 is an opcode and
/// sha256 the precompile at 0x02, while the rewasm contract hashes in wasm.
contract Kernels {
    function _block() private pure returns (bytes memory data) {
        data = new bytes(1024);
        for (uint256 i = 0; i < 1024; ) {
            data[i] = bytes1(uint8(i));
            unchecked { ++i; }
        }
    }

    function keccakRounds(uint32 rounds) external pure returns (bytes32 digest) {
        bytes memory data = _block();
        for (uint32 r = 0; r < rounds; ) {
            digest = keccak256(data);
            assembly { mstore(add(data, 32), digest) }
            unchecked { ++r; }
        }
    }

    function sha256Rounds(uint32 rounds) external pure returns (bytes32 digest) {
        bytes memory data = _block();
        for (uint32 r = 0; r < rounds; ) {
            digest = sha256(data);
            assembly { mstore(add(data, 32), digest) }
            unchecked { ++r; }
        }
    }

    function u256Loop(uint32 n) external pure returns (bytes32) {
        uint256 a = 1;
        uint256 b = 3;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                a = a * b + i;
                b = (b + a) | 1;
            }
        }
        return bytes32(a ^ b);
    }

    function fib(uint32 n) external pure returns (uint64) {
        return uint64(_fib(n));
    }

    function _fib(uint256 n) private pure returns (uint256) {
        if (n < 2) {
            return n;
        }
        unchecked {
            return _fib(n - 1) + _fib(n - 2);
        }
    }

    function noop() external pure {}
}
