"""Taking over a running bridge: the old vault's sweep, the MintController's switch, the books."""
