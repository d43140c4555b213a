"""Key sources and the secp256k1 signer interface shared by the Ethereum and Pocket code."""
