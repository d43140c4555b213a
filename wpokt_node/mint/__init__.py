"""The mint flow: POKT watcher, deposit entries (mints and refunds), gates, mint executor."""
