"""Local chains (anvil, Pocket simulator), contract deployment and the cluster launcher."""
