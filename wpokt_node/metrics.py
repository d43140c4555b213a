"""The node's metrics, named in one place (Prometheus conventions, ``prometheus_client``).

Every worker process owns its own registry (the process default): the flows update these
objects where things happen, and ``node/metrics.py`` pushes them outbound to a Pushgateway
with the node and the worker as the grouping key. A node never serves them: it opens no
listening socket. Label values come from a closed set (``label``) or from the config (an
address), never free text. A gauge that only some workers set carries a label, so the other
workers do not export it as 0.

Amounts (upokt, wei) are exposed as Prometheus floats: exact up to 2**53, which is above any
POKT amount; the supply check itself decides on integers (``node/supply.py``).
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def label(value: object) -> str:
    """A label value from code, or ``other``: a label never carries free text (cardinality)."""
    text = str(value)
    return text if _LABEL.match(text) else "other"


# -- the worker loop ---------------------------------------------------------------------------
PASSES = Counter("wpokt_worker_passes", "Worker passes, by outcome (ok, error)", ["outcome"])
PASS_SECONDS = Histogram(
    "wpokt_worker_pass_seconds", "Duration of one worker pass", buckets=_LATENCY_BUCKETS
)
CONSECUTIVE_ERRORS = Gauge("wpokt_worker_consecutive_errors", "Failed passes in a row")
LAST_SUCCESS = Gauge(
    "wpokt_worker_last_success_timestamp_seconds", "Unix time of the last successful pass"
)
ENTRY_STEPS = Counter(
    "wpokt_entry_steps", "Entry steps of the payout machine, by outcome", ["outcome"]
)

# -- chains and watchers -----------------------------------------------------------------------
CHAIN_HEAD = Gauge("wpokt_chain_head_block", "Latest block this node's RPC reports", ["chain"])
WATCHER_BEHIND = Gauge(
    "wpokt_watcher_behind_blocks",
    "Blocks between the chain head and the watcher's cursor",
    ["chain"],
)
RPC_SECONDS = Histogram(
    "wpokt_rpc_seconds", "Chain RPC request duration", ["chain"], buckets=_LATENCY_BUCKETS
)
RPC_ERRORS = Counter("wpokt_rpc_errors", "Chain RPC requests that failed", ["chain"])

# -- the shared database -----------------------------------------------------------------------
DB_SECONDS = Histogram(
    "wpokt_db_command_seconds", "MongoDB command duration", buckets=_LATENCY_BUCKETS
)
DB_ERRORS = Counter("wpokt_db_command_errors", "MongoDB commands that failed")

# -- entries and signatures --------------------------------------------------------------------
ENTRIES = Gauge("wpokt_entries", "Open entries, by collection and status", ["collection", "status"])
OLDEST_ENTRY = Gauge(
    "wpokt_entry_oldest_age_seconds",
    "Age of the oldest open entry in a status (since it was recorded)",
    ["collection", "status"],
)
SIGNATURES = Counter(
    "wpokt_signatures", "Signatures (votes) this node gave, by collection", ["collection"]
)
REFUSALS = Counter(
    "wpokt_signature_refusals",
    "Signatures this node refused, by collection and reason",
    ["collection", "reason"],
)
LEASE_HELD = Gauge("wpokt_lease_held", "1 while this node holds the executor lease", ["lease"])

# -- the bridge --------------------------------------------------------------------------------
PAUSED = Gauge(
    "wpokt_paused",
    "1 while this node signs and sends nothing, by scope (cluster, node, hold)",
    ["scope"],
)
GAS_BALANCE = Gauge(
    "wpokt_gas_balance_wei", "Balance of this node's Ethereum gas account", ["account"]
)
MEMBER_BALANCE = Gauge(
    "wpokt_member_balance_upokt", "Balance of this node's Pocket vault-member account", ["account"]
)
VAULT_BALANCE = Gauge(
    "wpokt_vault_balance_upokt", "Balance of a Pocket vault (current or retired)", ["vault"]
)
SUPPLY = Gauge("wpokt_total_supply", "wPOKT totalSupply on Ethereum (base units)", ["token"])
SUPPLY_SHORTFALL = Gauge(
    "wpokt_supply_shortfall_upokt",
    "wPOKT supply above what the vaults hold (0 when backed)",
    ["token"],
)
SUPPLY_CHECKS = Counter(
    "wpokt_supply_checks", "Supply checks, by result (backed, breach, error)", ["result"]
)

WEBHOOKS = Counter(
    "wpokt_webhook_posts", "Webhook posts, by outcome (delivered, failed, dropped)", ["outcome"]
)

# -- the metrics pipeline itself ---------------------------------------------------------------
PUSH_FAILURES = Counter(
    "wpokt_metrics_push_failures", "Pushes of these metrics that failed (sent on the next one)"
)
