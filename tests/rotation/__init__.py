"""Key rotation on a running devnet of its own, outside the e2e package: it runs after the
shared 12-node devnet is stopped, so the rolling restarts do not compete with it."""
