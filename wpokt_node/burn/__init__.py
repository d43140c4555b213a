"""The burn flow: burn watcher, burn entries, release executor (burn payouts and refunds)."""
