"""The benchmark's scale section (benchmarks/bench.py): the large corpus's per-file figures against the
small corpus measured before and after it, so that a machine that slows during the long scan does not
pass for a checker whose per-file cost grows (and a machine that speeds up, for one whose cost falls)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("authcheck_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(n: int, per_file_ms: float, cpu_per_file_ms: float, records: int | None = None, **peaks) -> dict:
    return {
        "n": n,
        "wall": per_file_ms * n / 1000,
        "cpu": cpu_per_file_ms * n / 1000,
        "per_file_ms": per_file_ms,
        "cpu_per_file_ms": cpu_per_file_ms,
        "records": n if records is None else records,
        "rc": 1,
        **peaks,
    }


def test_the_large_corpus_is_compared_with_the_small_one_on_both_sides(bench):
    entry = bench._scale_entry(
        {
            "before": run(1000, 4.0, 8.0, parent_mb=30.0, worker_max_mb=40.0),
            "large": run(100_000, 5.5, 9.9, parent_mb=120.0, worker_max_mb=90.0),
            "after": run(1000, 6.0, 10.0, parent_mb=35.0, worker_max_mb=38.0),
        }
    )
    small, large = entry["1000"], entry["100000"]
    assert small["per_file_ms"] == pytest.approx(5.0) and small["cpu_per_file_ms"] == pytest.approx(9.0)
    assert entry["per_file_ratio"] == pytest.approx(1.1) and entry["cpu_per_file_ratio"] == pytest.approx(1.1)
    assert (small["parent_mb"], small["worker_max_mb"]) == (35.0, 40.0)  # the larger peak of the two
    assert large["per_file_ms"] == 5.5 and large["worker_max_mb"] == 90.0
    assert small["records"] == 1000
    assert bench._bracket(entry, "per_file_ms") == " (4.00 / 6.00)"
    assert bench._bracket({"1000": small}, "per_file_ms") == ""  # a results file from before: one small run


def test_a_small_run_that_printed_too_few_records_is_reported(bench):
    entry = bench._scale_entry(
        {"before": run(1000, 4.0, 8.0), "large": run(100_000, 4.0, 8.0), "after": run(1000, 4.0, 8.0, records=998)}
    )
    assert entry["1000"]["records"] is None
    results = {
        "batch": {"records": {}, "codes": {}, "error_records": [0], "n": 1000},
        "single": {"walls": {}, "codes": {}, "served_by_server": 0},
        "scale": {"authcheck": entry},
    }
    problems = bench.check_runs(results)
    assert problems == ["scale authcheck N=1000 printed 998 records"]
