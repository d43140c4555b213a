"""wpokt-node: a bridge node for wPOKT (POKT on Pocket <-> wPOKT ERC-20 on Ethereum)."""

__version__ = "0.1.0"
