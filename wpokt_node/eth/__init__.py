"""Ethereum side: web3 client, contracts (sources + compiled artifacts), EIP-712 MintData."""
