"""Turn one benchmark run into ratios, a report, and a verdict against the stored baseline.

    python benchmarks/report.py RESULTS.json [--check] [--write-baseline]

Reads pytest-benchmark's JSON of one run (``make bench`` writes benchmarks/results/raw.json),
writes benchmarks/results/summary.json (environment, every figure and ratio) and
benchmarks/REPORT.md. ``--check`` exits 1 when a guarded ratio fell more than 30% below
benchmarks/baseline.json; ``--write-baseline`` stores this run's ratios as the new baseline.

Every figure is a ratio within this one run: absolute rates on a shared machine drift by tens
of percent between runs, ratios of rates measured minutes apart do not.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
REPORT = HERE / "REPORT.md"
SUMMARY = HERE / "results" / "summary.json"
TOLERANCE = 0.30  # a guarded ratio may fall this far below its baseline before `make bench` fails

OPERATIONS = ["pop_code", "redeem_partial", "hold_capture", "single_use_redeem", "dispatch_outbox"]
OVERHEAD_TARGET = {"postgresql": 0.8, "sqlite": 0.6}
HTTP_TARGET = 0.7
TAIL_TARGET = 3.0
IMPORT_TARGET = 100_000
FLAT_RSS = 1.25  # peak RSS at 1M codes at most this many times that at 100k

# What stands in the way when a target does not hold, from profiling (docs/benchmarks.md).
OBSTACLES = {
    "overhead": (
        "per operation the engine spends Python time the bare driver does not: SQLAlchemy Core's "
        "execute path (parameter processing, result wrapping) for each statement, building the "
        "domain Voucher from the row, the idempotency/veto plumbing of `_command`, time-ordered ids, "
        "and on PostgreSQL one more round trip (`pool_pre_ping` before every transaction). On 2 shared "
        "cores that CPU time competes with the database server itself, so it shows in full"
    ),
    "scaling": (
        "every pop updates the same pool row, so concurrent pops queue on its row lock for the length "
        "of a transaction (commit included); more workers add queueing, not throughput"
    ),
    "http": (
        "the endpoint pays the engine's per-operation overhead (above) plus the adapter's middleware: "
        "request ids, JSON access log, metrics, rate limiting, provider error rendering"
    ),
    "tail": (
        "on 2 shared cores the server's worker threads, the database and wrk compete for CPU; a "
        "request that waits for a core waits a whole scheduling slice, which is the p99"
    ),
    "import": (
        "the database itself: each code is a row in two unique B-tree indexes (the primary key and "
        "(tenant, pool, code)) plus a foreign-key check; see the bare INSERT note in docs/benchmarks.md"
    ),
}


# --- reading one run ------------------------------------------------------------------------------


def load_run(path: Path) -> dict:
    return json.loads(path.read_text())


def rates(run: dict) -> dict[tuple, float]:
    """(operation, backend, impl, workers) -> operations per second (ops per round / median round)."""
    found = {}
    for bench in run["benchmarks"]:
        info = bench["extra_info"]
        if info.get("ops_per_round") and bench.get("stats"):
            key = (info["operation"], info["backend"], info["impl"], info["workers"])
            found[key] = info["ops_per_round"] / bench["stats"]["median"]
    return found


def extra(run: dict, operation: str) -> dict[str, dict]:
    """backend -> extra_info of the benchmarks of one kind (HTTP, scale)."""
    return {
        f"{b['extra_info']['backend']}:{b['extra_info']['operation']}": b["extra_info"]
        for b in run["benchmarks"] if b["extra_info"].get("operation", "").startswith(operation)
    }


def summarise(run: dict) -> dict:
    ops = rates(run)
    summary: dict = {"overhead": [], "scaling": [], "http": [], "scale": [], "ratios": {}}
    for op in OPERATIONS:
        for backend in ("sqlite", "postgresql"):
            for workers in (1, 8):
                engine, bare = ops.get((op, backend, "engine", workers)), ops.get((op, backend, "bare", workers))
                if engine and bare:
                    ratio = engine / bare
                    summary["overhead"].append({
                        "operation": op, "backend": backend, "workers": workers, "engine_ops_per_s": engine,
                        "bare_ops_per_s": bare, "ratio": ratio, "target": OVERHEAD_TARGET[backend],
                        "holds": ratio >= OVERHEAD_TARGET[backend],
                    })
                    summary["ratios"][f"overhead {op} {backend} x{workers}"] = ratio
    for impl in ("engine", "bare"):
        one, many = ops.get(("pool_scaling", "postgresql", impl, 1)), ops.get(("pool_scaling", "postgresql", impl, 16))
        if one and many:
            summary["scaling"].append({"impl": impl, "ops_per_s_1": one, "ops_per_s_16": many, "ratio": many / one,
                                       "target": 1.0, "holds": many / one >= 1.0 if impl == "engine" else None})
            summary["ratios"][f"pool scaling {impl} 16/1"] = many / one
    for _key, info in sorted(extra(run, "http").items()):
        http = info.get("http")
        if not http:
            continue
        peak, half = http["max"], http["half"]
        hello, driver = peak["hello"]["requests_per_s"], http["driver_ops_per_s"]
        composed = 1 / (1 / hello + 1 / driver)
        engine_rps, bare_rps = peak["engine"]["requests_per_s"], peak["bare"]["requests_per_s"]
        tail = half["engine"]["p99_ms"] / half["engine"]["p50_ms"]
        backend = info["backend"]
        summary["http"].append({
            "backend": backend, "max": peak, "half": half, "driver_ops_per_s": driver, "composed_rps": composed,
            "engine_over_composed": engine_rps / composed, "engine_over_bare": engine_rps / bare_rps,
            "bare_over_composed": bare_rps / composed, "engine_p99_over_p50_half": tail,
            "holds": engine_rps / composed >= HTTP_TARGET, "tail_holds": tail <= TAIL_TARGET,
        })
        summary["ratios"][f"http engine/composed {backend}"] = engine_rps / composed
        summary["ratios"][f"http engine/bare {backend}"] = engine_rps / bare_rps
    for _key, info in sorted(extra(run, "scale").items()):
        runs = info.get("runs") or []
        if len(runs) < 2:
            continue
        small, large = runs[0], runs[-1]
        mode = info["operation"].removeprefix("scale_")
        flat = large["peak_rss_mb"] / small["peak_rss_mb"]
        entry = {"backend": info["backend"], "mode": mode, "runs": runs, "rss_growth": flat, "flat": flat <= FLAT_RSS}
        if mode == "import" and info["backend"] == "postgresql":
            entry["holds"] = large["codes_per_s"] >= IMPORT_TARGET and flat <= FLAT_RSS
        summary["scale"].append(entry)
        summary["ratios"][f"scale {info['backend']} {mode} rate {large['codes']}/{small['codes']}"] = (
            large["codes_per_s"] / small["codes_per_s"]
        )
    summary["guarded"] = guarded(summary)
    return summary


def guarded(summary: dict) -> dict[str, float]:
    """The ratios `make bench` holds against the baseline. Per backend the overhead ratios are
    pooled into one geometric mean: on a shared machine a single cell's ratio swings by tens
    of percent from run to run (its two sides are measured seconds apart), while the mean of
    ten moves little, so a 30% fall of it is a real regression, not noise."""
    found = {}
    for backend in ("sqlite", "postgresql"):
        mine = [r["ratio"] for r in summary["overhead"] if r["backend"] == backend]
        if mine:
            found[f"overhead geometric mean {backend}"] = math.prod(mine) ** (1 / len(mine))
    for name, value in summary["ratios"].items():
        if name.startswith(("pool scaling engine", "http engine/bare")):
            found[name] = value
    return found


# --- environment -------------------------------------------------------------------------------------


def environment(run: dict) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("voucher-engine", "sqlalchemy", "psycopg", "litestar", "uvicorn", "msgspec", "pytest-benchmark"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    wrk = shutil.which("wrk")
    if wrk:
        banner = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False).stdout.splitlines() or ["wrk"]
        versions["wrk"] = banner[0].split(" Copyright")[0]
    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(), "libraries": versions, "os": platform.platform(),
        "run_at": run.get("datetime"), "commit": (run.get("commit_info") or {}).get("id"),
        "dirty": (run.get("commit_info") or {}).get("dirty"),
    }


def _postgres_version() -> str:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        sys.path.insert(0, str(HERE))
        from benchsupport import PG_URL

        dsn = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # noqa: BLE001 - the report still stands without it
        return f"unknown ({type(error).__name__})"


# --- writing ------------------------------------------------------------------------------------------


def _yes(flag: bool | None) -> str:
    return "—" if flag is None else ("yes" if flag else "**no**")


def markdown(summary: dict, env: dict, verdict: list[str] | None) -> str:
    lines = ["# Benchmark report", "",
             "Written by `make bench` (benchmarks/report.py) from benchmarks/results/raw.json; every figure "
             "below is a ratio of rates measured in the same run. How to read it: docs/benchmarks.md.", "",
             "## Environment", ""]
    libraries = ", ".join(f"{k} {v}" for k, v in env["libraries"].items())
    lines += [f"- CPU: {env['cpu']}, {env['cores']} cores ({env['os']})",
              f"- Python {env['python']}, SQLite {env['sqlite']}, PostgreSQL {env['postgresql']}",
              f"- {libraries}",
              f"- run at {env['run_at']}, commit {env['commit']}{' (uncommitted changes)' if env['dirty'] else ''}", ""]

    lines += ["## Targets", "", "| target | holds | where it stands |", "|---|---|---|"]
    for row in targets(summary):
        lines.append(f"| {row['target']} | {_yes(row['holds'])} | {row['detail']} |")
    lines.append("")
    lines += ["## Engine over bare driver (same SQL, same transactions)", "",
              "| operation | backend | workers | engine ops/s | bare ops/s | ratio | target |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for r in summary["overhead"]:
        lines.append(f"| {r['operation']} | {r['backend']} | {r['workers']} | {r['engine_ops_per_s']:.0f} | "
                     f"{r['bare_ops_per_s']:.0f} | {r['ratio']:.2f} | {r['target']} |")
    lines += ["", "## Pool scaling (PostgreSQL, one pool)", "",
              "| implementation | pops/s at 1 worker | pops/s at 16 workers | 16/1 |", "|---|---:|---:|---:|"]
    for r in summary["scaling"]:
        lines.append(f"| {r['impl']} | {r['ops_per_s_1']:.0f} | {r['ops_per_s_16']:.0f} | {r['ratio']:.2f} |")
    lines += ["", "## HTTP (uvicorn, 1 process; wrk, 8 connections)", "",
              "| backend | endpoint | max req/s | p50 ms | p99 ms | half-load req/s | p50 ms | p99 ms |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in summary["http"]:
        for name, label in (("engine", "promo issuance (engine)"), ("bare", "same SQL, bare driver"),
                            ("hello", "hello")):
            peak, half = r["max"][name], r["half"][name]
            lines.append(f"| {r['backend']} | {label} | {peak['requests_per_s']:.0f} | {peak['p50_ms']:.1f} | "
                         f"{peak['p99_ms']:.1f} | {half['requests_per_s']:.0f} | {half['p50_ms']:.1f} | "
                         f"{half['p99_ms']:.1f} |")
    for r in summary["http"]:
        lines.append(f"\n{r['backend']}: bare issuance in-process {r['driver_ops_per_s']:.0f} ops/s; hello and "
                     f"driver composed serially allow {r['composed_rps']:.0f} req/s; engine endpoint / composed "
                     f"= {r['engine_over_composed']:.2f}, engine / bare endpoint = {r['engine_over_bare']:.2f}, "
                     f"engine p99/p50 at half load = {r['engine_p99_over_p50_half']:.1f}.")
    lines += ["", "## Memory and scale (each run its own process)", "",
              "| backend | how | codes | codes/s | peak RSS MB |", "|---|---|---:|---:|---:|"]
    for r in summary["scale"]:
        for one in r["runs"]:
            lines.append(f"| {r['backend']} | {r['mode']} | {one['codes']:,} | {one['codes_per_s']:,.0f} | "
                         f"{one['peak_rss_mb']:.0f} |")
    if verdict is not None:
        lines += ["", "## Against the baseline (benchmarks/baseline.json)", ""]
        lines += [f"- {v}" for v in verdict] if verdict else [
            "- every guarded ratio within 30% of its baseline: "
            + ", ".join(f"{k} {v:.2f}" for k, v in summary["guarded"].items())
        ]
    return "\n".join(lines) + "\n"


def targets(summary: dict) -> list[dict]:
    rows = []
    for backend in ("postgresql", "sqlite"):
        mine = [r for r in summary["overhead"] if r["backend"] == backend]
        if mine:
            worst = min(mine, key=lambda r: r["ratio"])
            holds = all(r["holds"] for r in mine)
            detail = f"lowest {worst['ratio']:.2f} ({worst['operation']} x{worst['workers']})"
            rows.append({"target": f"engine/bare >= {OVERHEAD_TARGET[backend]} on {backend}, every operation",
                         "holds": holds, "detail": detail if holds else f"{detail}: {OBSTACLES['overhead']}"})
    for r in summary["scaling"]:
        if r["impl"] == "engine":
            detail = f"{r['ratio']:.2f}"
            rows.append({"target": "pool pops at 16 workers >= at 1 worker (PostgreSQL)", "holds": r["holds"],
                         "detail": detail if r["holds"] else f"{detail}: {OBSTACLES['scaling']}"})
    for r in summary["http"]:
        detail = f"{r['engine_over_composed']:.2f}"
        rows.append({"target": f"HTTP endpoint >= {HTTP_TARGET} x 1/(1/hello + 1/driver) on {r['backend']}",
                     "holds": r["holds"], "detail": detail if r["holds"] else f"{detail}: {OBSTACLES['http']}"})
        detail = f"{r['engine_p99_over_p50_half']:.1f}"
        rows.append({"target": f"p99 <= {TAIL_TARGET:g} x p50 at half load on {r['backend']}", "holds": r["tail_holds"],
                     "detail": detail if r["tail_holds"] else f"{detail}: {OBSTACLES['tail']}"})
    for r in summary["scale"]:
        if "holds" in r:
            large = r["runs"][-1]
            detail = (f"{large['codes_per_s']:,.0f} codes/s at {large['codes']:,}; peak RSS x{r['rss_growth']:.2f} "
                      f"from {r['runs'][0]['codes']:,}")
            rows.append({"target": "1M codes import >= 100k codes/s on PostgreSQL, flat memory", "holds": r["holds"],
                         "detail": detail if r["holds"] else f"{detail}: {OBSTACLES['import']}"})
    flat = list(summary["scale"])
    if flat:
        rows.append({"target": f"peak RSS flat (1M <= {FLAT_RSS} x 100k), every backend and mode",
                     "holds": all(r["flat"] for r in flat),
                     "detail": ", ".join(f"{r['backend']} {r['mode']} x{r['rss_growth']:.2f}" for r in flat)})
    return rows


def compare(ratios: dict[str, float], baseline: dict[str, float]) -> list[str]:
    """The guarded ratios that fell more than TOLERANCE below their baseline."""
    return [
        f"{name}: {ratios[name]:.2f}, baseline {base:.2f} (more than {TOLERANCE:.0%} below)"
        for name, base in sorted(baseline.items())
        if name in ratios and ratios[name] < base * (1 - TOLERANCE)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--check", action="store_true", help="fail when a ratio fell >30%% below the baseline")
    parser.add_argument("--write-baseline", action="store_true", help="store this run's ratios as the baseline")
    args = parser.parse_args(argv)
    run = load_run(args.results)
    summary = summarise(run)
    env = environment(run)
    verdict = None
    if args.check:
        baseline = json.loads(BASELINE.read_text())["guarded"] if BASELINE.exists() else {}
        verdict = compare(summary["guarded"], baseline)
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps({"environment": env, **summary, "baseline_failures": verdict}, indent=2) + "\n")
    REPORT.write_text(markdown(summary, env, verdict))
    if args.write_baseline:
        BASELINE.write_text(json.dumps(
            {"environment": env, "guarded": summary["guarded"], "ratios": summary["ratios"]}, indent=2
        ) + "\n")
    print(f"wrote {REPORT.relative_to(HERE.parent)} and {SUMMARY.relative_to(HERE.parent)}")
    for line in verdict or []:
        print(f"REGRESSION {line}", file=sys.stderr)
    return 1 if verdict else 0


if __name__ == "__main__":
    sys.exit(main())
