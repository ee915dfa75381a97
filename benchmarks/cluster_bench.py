"""Throughput of a cluster scan with 1, 2 and 4 Dask workers, against the local pool.

    python benchmarks/cluster_bench.py [--n 200] [--workers 1 2 4] [--corpus DIR] [--json OUT]

Builds a corpus with benchmarks/make_corpus.py (unless --corpus names one), then times
`authcheck check DIR -f jsonl --no-cache` end to end (process start to exit):
  * local:  the local pool with `-j 2`;
  * dask W: a scheduler and W workers (one thread each) started here on 127.0.0.1, each scan run
    twice: "cold" (each worker starts its checking subprocess) and "warm" (subprocesses ready).
Reports files per second and the overhead per file of the warm two-worker cluster against the
local pool with two processes.  Needs `pip install '.[dask]'`.  Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAIT = 300


def scan_seconds(folder: Path, env: dict, *extra: str, cluster=None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one `authcheck check` process over the folder.  CPU counts the
    process and its workers, and with a cluster also the scheduler, the Dask workers and their
    checking subprocesses: less disturbed by other load on the machine than wall-clock time."""
    before = _children_cpu() + (cluster.cpu() if cluster else 0.0)
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "authcheck", "check", str(folder), "-f", "jsonl", "--no-cache", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    elapsed = time.perf_counter() - start
    if run.returncode not in (0, 1, 3) or not run.stdout:
        raise SystemExit(f"scan failed ({run.returncode}): {run.stderr[-500:]}")
    return elapsed, _children_cpu() + (cluster.cpu() if cluster else 0.0) - before


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and all its live descendants (psutil comes with distributed)."""
    import psutil

    try:
        root = psutil.Process(pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0.0


class LoopbackCluster:
    """A scheduler and `workers` single-threaded workers on 127.0.0.1, stopped on exit."""

    def __init__(self, workers: int, tmp: Path, env: dict) -> None:
        self.procs: list[subprocess.Popen] = []
        self.tmp, self.env, self.workers = tmp, env, workers

    def __enter__(self) -> LoopbackCluster:
        file = self.tmp / f"scheduler-{self.workers}.json"
        self._start(
            "dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file)
        )
        deadline = time.monotonic() + 60
        while not (file.exists() and file.stat().st_size):
            if time.monotonic() > deadline:
                raise SystemExit("the scheduler did not start")
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        for _ in range(self.workers):
            self._start(
                "dask_worker",
                "--scheduler-file",
                str(file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(self.workers, timeout=60)
        self.address = address
        return self

    def cpu(self) -> float:
        """CPU seconds used so far by the scheduler, the workers and their subprocesses."""
        return sum(_tree_cpu(proc.pid) for proc in self.procs)

    def _start(self, module: str, *args: str) -> None:
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", f"distributed.cli.{module}", *args],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.tmp,
            )
        )

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def corpus(args, tmp: Path) -> Path:
    if args.corpus:
        return Path(args.corpus)
    out = tmp / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), str(out), "--n", str(args.n)],
        check=True,
        capture_output=True,
        timeout=WAIT,
    )
    return out / "letters"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="letters in the generated corpus")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--corpus", help="a folder of letters to use instead of generating one")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="authcheck-cluster-bench-") as name:
        tmp = Path(name)
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache"), "XDG_CONFIG_HOME": str(tmp / "config")}
        folder = corpus(args, tmp)
        files = sum(1 for p in folder.rglob("*") if p.suffix in (".pdf", ".docx", ".txt"))
        rows = {"local -j 2": scan_seconds(folder, env, "-j", "2")}
        for workers in args.workers:
            with LoopbackCluster(workers, tmp, env) as cluster:
                for state in ("cold", "warm"):
                    rows[f"dask {workers} {state}"] = scan_seconds(
                        folder, env, "--scheduler", cluster.address, cluster=cluster
                    )
    report(rows, files, args)


def report(rows: dict, files: int, args) -> None:
    print(f"{files} files, {os.cpu_count()} CPUs, end to end per `authcheck check` process")
    print(f"{'run':16} {'wall s':>8} {'files/s':>8} {'CPU ms/file':>12}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:16} {wall:8.2f} {files / wall:8.1f} {cpu / files * 1000:12.1f}")
    figures = {"files": files, "cpus": os.cpu_count(), "wall_cpu_seconds": rows}
    if "dask 2 warm" in rows:
        wall = (rows["dask 2 warm"][0] - rows["local -j 2"][0]) / files * 1000
        cpu = (rows["dask 2 warm"][1] - rows["local -j 2"][1]) / files * 1000
        figures["overhead_ms_per_file_2_workers"] = {"wall": wall, "cpu": cpu}
        print(
            f"overhead per file, 2 warm Dask workers against the local pool -j 2: {wall:+.1f} ms wall, "
            f"{cpu:+.1f} ms CPU"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
