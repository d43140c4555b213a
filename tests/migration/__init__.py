"""The migration rehearsal on devnets of its own (7 old nodes, then 12 new ones), outside the
e2e package: it runs after the shared 12-node devnet is stopped, so 31 nodes never share the
machine."""
