"""Shared MongoDB: client, collections, indexes, validators, transitions, leases, audit log."""
