"""Shared pytest configuration. Fixtures for local servers live in ``tests/fixtures/``."""

pytest_plugins = [
    "tests.fixtures.mongo",
    "tests.fixtures.anvil",
    "tests.fixtures.pokt",
    "tests.fixtures.mint_cluster",
    "tests.fixtures.copper",
]
