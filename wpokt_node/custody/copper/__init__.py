"""Copper custody (docs/copper.md): the platform and CUO clients, the orders this node asks
Copper for and checks before co-signing, and the back ends for mints and vault releases."""
