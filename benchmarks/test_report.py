"""report.py on a made-up run: each target's figure, its verdict, and the baseline guard in
both directions (no database, no timing)."""

from __future__ import annotations

import report


def _bench(operation: str, backend: str, impl: str, workers: int, ops_per_s: float) -> dict:
    return {
        "extra_info": {
            "operation": operation,
            "backend": backend,
            "impl": impl,
            "workers": workers,
            "ops_per_round": 100,
        },
        "stats": {"median": 100 / ops_per_s},
    }


def _run() -> dict:
    return {
        "benchmarks": [
            _bench("pop_code", "postgresql", "engine", 1, 900),
            _bench("pop_code", "postgresql", "bare", 1, 1000),
            _bench("pop_code", "postgresql", "engine", 8, 700),
            _bench("pop_code", "postgresql", "bare", 8, 1000),
            _bench("pool_scaling", "postgresql", "engine", 1, 400),
            _bench("pool_scaling", "postgresql", "engine", 16, 800),
        ]
    }


def _row(summary: dict, name: str) -> dict:
    return next(row for row in summary["targets"] if row["target"] == name)


def test_each_target_shows_its_figure_and_whether_it_holds() -> None:
    summary = report.summarise(_run())
    pop = _row(summary, "engine/bare pop_code >= 0.8 on postgresql (1 and 8 workers)")
    assert (round(pop["figure"], 2), pop["holds"]) == (0.7, False)  # the lower of 0.9 and 0.7
    scaling = _row(summary, "pool pops at 16 workers >= 1.5 x at 1 worker (PostgreSQL)")
    assert (scaling["figure"], scaling["holds"]) == (2.0, True)
    issue = _row(summary, "engine/bare issue_for_trigger >= 0.8 on postgresql (1 and 8 workers)")
    assert (issue["holds"], issue["detail"]) == (None, "not measured in this run")
    assert len(summary["targets"]) == len(report.TARGETS)
    # The guard holds the geometric mean of the two worker counts, not the lower one.
    guarded = summary["guarded"]["engine/bare pop_code >= 0.8 on postgresql (1 and 8 workers)"]
    assert round(guarded, 4) == round((0.9 * 0.7) ** 0.5, 4)


def test_the_guard_fails_a_figure_that_moved_more_than_its_tolerance_the_wrong_way() -> None:
    floor = "engine/bare pop_code >= 0.8 on postgresql (1 and 8 workers)"
    ceiling = "peak RSS flat, postgresql import (1M <= 1.25 x 100k)"
    tail = "promo endpoint p99 <= 3 x p50 at half load on postgresql"  # 100%: a p99 is noisy
    baseline = {floor: 1.0, ceiling: 1.0, tail: 2.0}
    assert report.compare({floor: 0.71, ceiling: 1.29, tail: 3.9}, baseline) == []
    failures = report.compare({floor: 0.69, ceiling: 1.31, tail: 4.1}, baseline)
    assert sorted(line.split(":")[0] for line in failures) == sorted([floor, ceiling, tail])
    assert report.unguarded({floor: 1.0, "new figure": 1.0}, baseline) == ["new figure"]
