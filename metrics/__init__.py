"""Process metrics for Prometheus (`GET /metrics`): a leaf package every layer may use.

Counters live in their own registry so that several runtimes in one process (tests, the
sandbox) share them without registering twice.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "shurakum_updates_handled", "Telegram updates handled", ["kind"], registry=REGISTRY
)
LATENCY = Histogram(
    "shurakum_update_seconds",
    "Time to handle one update (handler latency)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
QUESTIONS = Counter("shurakum_questions", "Questions submitted", registry=REGISTRY)
VOTES = Counter("shurakum_votes", "Votes cast (questions and polls)", ["on"], registry=REGISTRY)
BROADCAST = Counter(
    "shurakum_broadcast_messages", "Broadcast messages by outcome", ["outcome"], registry=REGISTRY
)


def exposition() -> tuple[bytes, str]:
    """The text format and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
