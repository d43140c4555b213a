"""Burns and refunds: entry models and state machines, burn watcher, burn executor."""
