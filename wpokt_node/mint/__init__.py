"""Mints: entry model and state machine, POKT watcher, mint executor."""
