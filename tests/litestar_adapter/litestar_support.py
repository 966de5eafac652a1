"""Helpers of the Litestar adapter's tests: the example provider, a fake monotonic clock, and a
reader of the Prometheus text format (prometheus_client's own parser)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from prometheus_client.parser import text_string_to_metric_families

EXAMPLE = Path(__file__).resolve().parents[2] / "docs/provider_example/giftcard.py"
KEY = {"X-Api-Key": "acme-secret-key"}


def load_giftcard() -> ModuleType:
    """The provider plugin of docs/writing-a-provider.md, loaded once per test session."""
    if "giftcard" not in sys.modules:
        spec = importlib.util.spec_from_file_location("giftcard", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        sys.modules["giftcard"] = module
        spec.loader.exec_module(module)
    return sys.modules["giftcard"]


class FakeMonotonic:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample called ``name`` in a scrape, keyed by its sorted labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def by_label(exposition: str, name: str, *labels: str) -> dict:
    """``samples`` keyed by the values of ``labels`` (one label: the bare value)."""
    keyed = {}
    for key, value in samples(exposition, name).items():
        as_dict = dict(key)
        values = tuple(as_dict[label] for label in labels)
        keyed[values[0] if len(values) == 1 else values] = value
    return keyed
