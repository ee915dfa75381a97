"""Hostile inputs and isolation overhead: how authcheck copes with broken and malicious files.

    python benchmarks/hostile.py [--corpus ../shared/corpus/hostile] [--crafted-full] [--timeout 30] [--n 1000]

1. Every file of the hostile corpus (and, with --crafted-full or by default, the full crafted set
   of make_hostile.py, generated once into benchmarks/out/crafted-full) is checked by the
   installed authcheck (benchmarks/.venv, as bench.py installs it), one subprocess per file,
   two at a time: `authcheck FILE --format json --no-cache --timeout T`.  Per file: wall time,
   exit code, the record's verdict or error type, and peak RSS two ways:
     * `tree_maxrss_mb`: os.wait4's ru_maxrss of the authcheck process, which includes the
       descendants it reaped (its worker; RUSAGE_CHILDREN semantics) — the largest single
       process of the tree, not a sum;
     * `worker_hwm_mb`: VmHWM of the worker(s) polled from /proc every 20 ms while it runs.
2. Isolation overhead: authcheck.api.scan(paths, isolate=True, jobs=1) vs isolate=False
   (in-process; one core each) on benchmarks/out/corpus-N, median of 3 interleaved rounds,
   run with the benchmarks/.venv python.
3. A Markdown summary on stdout and JSON in benchmarks/out/hostile-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench  # noqa: E402  (venv, corpus and RSS polling helpers)

ROOT = HERE.parent
OUT = HERE / "out"
SHARED = ROOT.parent / "shared" / "corpus"
META_FILES = {"MANIFEST.tsv", "CRAFTED.tsv"}


def log(message: str) -> None:
    print(f"[hostile {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- part 1


def ensure_crafted() -> Path:
    out = OUT / "crafted-full"
    if (out / "CRAFTED.tsv").exists():
        return out
    gen = SHARED / "make_hostile.py"
    if not gen.exists():
        raise SystemExit(f"crafted-set generator not found: {gen}")
    log(f"generating the full crafted set into {out} (once)")
    subprocess.run([sys.executable, str(gen), str(out)], check=True)
    return out


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in META_FILES)


def check_one(ac: str, path: Path, timeout: float, tmp: Path, label: str) -> dict:
    output = tmp / f"{os.getpid()}-{abs(hash(str(path)))}.json"
    poller = bench.RssPoller(0.02)
    guard = timeout * 3 + 30  # harness guard: kill authcheck itself if it never returns
    with open(output, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [ac, str(path), "--format", "json", "--no-cache", "--timeout", f"{timeout:g}"],
            cwd=str(tmp),
            stdout=out,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        poller.start(proc.pid)
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > guard and not killed:
                proc.kill()
                killed = True
            time.sleep(0.005)
        wall = time.perf_counter() - start
        poller.stop()
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    text = output.read_text(errors="replace")
    output.unlink()
    records, result, parse_error, message = 0, None, None, None
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
        records = len(items)
        if items:
            rec = items[0]
            err = rec.get("error")
            result = f"error:{err.get('type')}" if err else f"verdict:{rec.get('verdict')}"
            message = f"{err.get('stage')}: {err.get('message')}"[:200] if err else None
    except ValueError as exc:
        parse_error = str(exc)[:100]
        result = "no-json"
    workers = poller.workers_mb()
    return {
        "set": label,
        "file": path.name,
        "bytes": path.stat().st_size,
        "wall": round(wall, 4),
        "cpu": round(usage.ru_utime + usage.ru_stime, 4),
        "rc": rc,
        "result": result,
        "records": records,
        "message": message,
        "parse_error": parse_error,
        "harness_killed": killed,
        "tree_maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "parent_hwm_mb": poller.parent_mb(),
        "worker_hwm_mb": max(workers) if workers else None,
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def dist(values: list[float]) -> dict:
    return {"p50": pct(values, 0.5), "p90": pct(values, 0.9), "p99": pct(values, 0.99), "max": max(values)}


def hostile_section(ac: str, sets: dict[str, Path], timeout: float) -> dict:
    jobs = [(label, p) for label, folder in sets.items() for p in files_of(folder)]
    log(f"checking {len(jobs)} files, 2 at a time (timeout {timeout:g} s)")
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    rows = []
    with ThreadPoolExecutor(2) as pool:
        for i, row in enumerate(pool.map(lambda j: check_one(ac, j[1], timeout, tmp, j[0]), jobs), 1):
            rows.append(row)
            if i % 50 == 0:
                log(f"{i}/{len(jobs)}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    walls = [r["wall"] for r in rows]
    rss = [r["tree_maxrss_mb"] for r in rows]
    whwm = [r["worker_hwm_mb"] for r in rows if r["worker_hwm_mb"] is not None]
    return {
        "files": len(rows),
        "sets": {k: str(v) for k, v in sets.items()},
        "timeout": timeout,
        "wall": dist(walls),
        "tree_maxrss_mb": dist(rss),
        "worker_hwm_mb": dist(whwm) if whwm else None,
        "counts": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        "slowest": sorted(rows, key=lambda r: -r["wall"])[:10],
        "over_timeout": [r for r in rows if r["wall"] > timeout or r["harness_killed"]],
        "bad_exit": [r for r in rows if r["rc"] not in (0, 1, 3)],
        "not_one_record": [r for r in rows if r["records"] != 1],
        "rows": rows,
    }


# ----------------------------------------------------------------------------- part 2

OVERHEAD_CODE = r"""
import json, random, sys, time
from authcheck.api import scan
paths = sys.argv[1:]
warm = paths[:30]
for iso in (True, False):
    list(scan(warm, isolate=iso, jobs=1))
walls = {"isolated": [], "inline": []}
counts = {"isolated": set(), "inline": set()}
rng = random.Random(3)
for _ in range(3):
    order = ["isolated", "inline"]
    rng.shuffle(order)
    for label in order:
        t = time.perf_counter()
        n = sum(1 for _ in scan(paths, isolate=(label == "isolated"), jobs=1))
        walls[label].append(time.perf_counter() - t)
        counts[label].add(n)
print(json.dumps({"walls": walls, "counts": {k: sorted(v) for k, v in counts.items()}}))
"""


def overhead_section(corpus: Path) -> dict:
    paths = [str(p) for p in sorted((corpus / "letters").rglob("*.*"))]
    log(f"isolation overhead: {len(paths)} letters, isolated jobs=1 vs in-process, 3 interleaved rounds")
    proc = subprocess.run(
        [str(bench.venv_python()), "-c", OVERHEAD_CODE, *paths], capture_output=True, text=True, cwd="/"
    )
    if proc.returncode:
        raise SystemExit(f"overhead run failed: {proc.stderr[-800:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    w = res["walls"]
    ratios = [a / b for a, b in zip(w["isolated"], w["inline"])]
    res.update(
        {
            "letters": len(paths),
            "median_isolated": statistics.median(w["isolated"]),
            "median_inline": statistics.median(w["inline"]),
            "round_ratios": ratios,
            "overhead_pct": (statistics.median(ratios) - 1) * 100,
            "target_pct": 15,
        }
    )
    return res


# ----------------------------------------------------------------------------- report


def markdown(h: dict, o: dict | None) -> str:
    f = lambda x: "–" if x is None else f"{x:.2f}"  # noqa: E731
    lines = [
        f"## Hostile inputs ({h['files']} files: {', '.join(h['sets'])}; `--timeout {h['timeout']:g}`)",
        "",
        "| | p50 | p90 | p99 | max |",
        "|---|---|---|---|---|",
    ]
    for key, name in (
        ("wall", "wall (s)"),
        ("tree_maxrss_mb", "peak RSS, wait4 tree (MB)"),
        ("worker_hwm_mb", "worker VmHWM (MB)"),
    ):
        d = h[key]
        if d:
            lines.append(f"| {name} | {f(d['p50'])} | {f(d['p90'])} | {f(d['p99'])} | {f(d['max'])} |")
    lines += [
        "",
        "Results: " + ", ".join(f"{k} {v}" for k, v in h["counts"].items()),
        "",
        "| slowest | set | wall s | RSS MB | rc | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in h["slowest"]:
        lines.append(
            f"| {r['file'][:48]} | {r['set']} | {r['wall']:.2f} | {r['tree_maxrss_mb']:.0f} | {r['rc']} "
            f"| {r['result']} |"
        )
    over = ", ".join(f"{r['file']} ({r['wall']:.1f} s)" for r in h["over_timeout"]) or "none"
    bad = ", ".join(f"{r['file']} (rc {r['rc']})" for r in h["bad_exit"]) or "none"
    lines += [
        "",
        f"- over the timeout: {over}",
        f"- exit code not 0/1/3: {bad}",
        f"- exactly one record per file: {'yes' if not h['not_one_record'] else 'NO: ' + ', '.join(r['file'] for r in h['not_one_record'][:10])}",
    ]
    if o:
        verdict = "met" if o["overhead_pct"] < o["target_pct"] else "MISSED"
        lines += [
            "",
            f"## Isolation overhead ({o['letters']} letters, one core each, median of 3 interleaved rounds)",
            "",
            f"isolated `scan(jobs=1)` {o['median_isolated']:.1f} s vs in-process {o['median_inline']:.1f} s: "
            f"overhead **{o['overhead_pct']:+.1f} %** (target < {o['target_pct']} %: {verdict}); "
            f"per-round ratios {', '.join(f'{r:.3f}' for r in o['round_ratios'])}",
        ]
    return "\n".join(lines)


def out_path() -> Path:
    base = OUT / f"hostile-{dt.date.today().isoformat()}"
    path, i = base.with_suffix(".json"), 2
    while path.exists():
        path, i = Path(f"{base}-{i}.json"), i + 1
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(SHARED / "hostile"), help="the hostile corpus folder")
    ap.add_argument(
        "--crafted-full",
        action="store_true",
        default=True,
        help="also run the full crafted set of make_hostile.py (default: on)",
    )
    ap.add_argument("--no-crafted", dest="crafted_full", action="store_false", help="skip the crafted set")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--n", type=int, default=1000, help="letters for the isolation-overhead corpus")
    ap.add_argument("--no-overhead", action="store_true", help="skip part 2")
    args = ap.parse_args()

    corpus = Path(args.corpus).resolve()
    if not corpus.is_dir():
        raise SystemExit(
            f"hostile corpus not found: {corpus} (expected <repo>/../shared/corpus/hostile; pass --corpus DIR)"
        )
    OUT.mkdir(exist_ok=True)
    bench.ensure_venv(sys.executable)
    ac = str(bench.VENV / "bin" / "authcheck")
    sets = {"hostile": corpus}
    if args.crafted_full:
        sets["crafted-full"] = ensure_crafted()
    load = os.getloadavg()
    h = hostile_section(ac, sets, args.timeout)
    o = None if args.no_overhead else overhead_section(bench.ensure_corpus(args.n, bench.SEED))
    md = markdown(h, o)
    print(md)
    path = out_path()
    path.write_text(
        json.dumps(
            {
                "date": dt.datetime.now().isoformat(timespec="seconds"),
                "machine": bench.machine_info(None),
                "load_before": load,
                "load_after": os.getloadavg(),
                "hostile": h,
                "overhead": o,
                "markdown": md,
            },
            indent=1,
            default=str,
        )
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
