"""Pocket network (Shannon, Cosmos SDK) side of the bridge."""
