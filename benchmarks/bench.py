"""Speed and memory of authcheck, side by side with exiftool, on a deterministic corpus.

    python benchmarks/bench.py [--quick] [--rounds N] [--batch-rounds N] [--n 1000]

Measures the installed package as a user gets it: authcheck is installed (not editable, .pyc
written by pip) into benchmarks/.venv, reinstalled whenever the repository's package sources
change.  Corpora are built by benchmarks/make_corpus.py into benchmarks/out/corpus-N/ and reused
while their parameters match.  Commands of one section run interleaved, in a shuffled order per
round; every ratio is the median of the per-round ratios, so load from other jobs on a shared
machine cancels out as far as possible.  Results go to benchmarks/out/results-<date>.json and a
Markdown table is printed (see benchmarks/README.md for what each number means and the goals).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE = ROOT  #: the tree pip installs from (--source)
OUT = HERE / "out"
VENV = HERE / ".venv"
SEED = 20240601
EXIFTOOL_MISSING = "exiftool not found: install libimage-exiftool-perl"
#: what pip installs: a change to any of these reinstalls the package into benchmarks/.venv
PACKAGE_SOURCES = ("authcheck", "rules", "pyproject.toml", "README.md")

GOALS = {  # id: (description, comparison, target)
    "single_json_pdf": ("1-page PDF, `--format json` ÷ `exiftool F`", "<=", 1.0),
    "single_console_pdf": ("1-page PDF, console report ÷ `exiftool F`", "<=", 1.0),
    "single_json_docx": ("DOCX, `--format json` ÷ `exiftool F`", "<=", 1.0),
    "single_json_pdf20": ("20-page PDF, `--format json` ÷ `exiftool F`", "<=", 1.5),
    "single_json_pdf_cold": ("1-page PDF, `--format json`, no server ÷ `exiftool F`", "<=", 1.0),
    "single_console_pdf_cold": ("1-page PDF, console report, no server ÷ `exiftool F`", "<=", 1.0),
    "single_json_docx_cold": ("DOCX, `--format json`, no server ÷ `exiftool F`", "<=", 1.0),
    "single_json_pdf20_cold": ("20-page PDF, `--format json`, no server ÷ `exiftool F`", "<=", 1.5),
    "version": ("`authcheck --version` ÷ `python -c pass`", "<=", 3.0),
    "batch_jobs2": ("1000 letters, `--jobs 2` ÷ `exiftool -r -json`", "<=", 1.0),
    "rescan_speedup": ("re-scan with cache: first scan ÷ re-scan", ">=", 20.0),
    "rescan_speedup_cold": ("re-scan with cache, no server: first scan ÷ re-scan", ">=", 20.0),
    "worker_rss": ("peak RSS per worker, 20-page PDF (MB)", "<", 150.0),
    "linear": ("per-file time at the large corpus (--scale-n) ÷ at 1k", "<=", 1.10),
    "linear_cpu": ("per-file CPU at the large corpus (--scale-n) ÷ at 1k", "<=", 1.10),
}


# ----------------------------------------------------------------------------- environment


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def venv_python() -> Path:
    return VENV / "bin" / "python"


def sources_digest() -> str:
    """Digest of everything pip would install from the repository."""
    h = hashlib.sha256()
    h.update(str(SOURCE).encode())
    for name in PACKAGE_SOURCES:
        path = SOURCE / name
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            h.update(str(file.relative_to(SOURCE)).encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def ensure_venv(python: str) -> None:
    """benchmarks/.venv with authcheck installed from the repository (not editable), bytecode compiled."""
    stamp = VENV / ".authcheck-sources"
    digest = sources_digest()
    if not venv_python().exists():
        log(f"creating {VENV}")
        subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != digest:
        log(f"installing authcheck from {SOURCE} into benchmarks/.venv (non-editable)")
        install(venv_python(), SOURCE)
        stamp.write_text(digest)
    where = "import authcheck, os; print(os.path.dirname(authcheck.__file__))"
    site = subprocess.run(
        [str(venv_python()), "-c", where], check=True, capture_output=True, text=True, cwd="/"
    ).stdout.strip()
    if not site.startswith(str(VENV)):
        raise SystemExit(f"benchmarks/.venv imports authcheck from the repository ({site}); expected site-packages")
    missing = sorted(
        str(d.relative_to(SOURCE))
        for d in (SOURCE / "authcheck").rglob("*")
        if d.is_dir()
        and (d / "__init__.py").exists()
        and not (Path(site) / d.relative_to(SOURCE / "authcheck")).exists()
    )
    if missing:
        log(f"WARNING: packages missing from the installed wheel (pyproject [tool.setuptools] packages?): {missing}")
    if not any(Path(site).rglob("*.pyc")):  # pip compiles at install; make sure, whatever the environment says
        log("compiling bytecode (python -m compileall)")
        subprocess.run([str(venv_python()), "-m", "compileall", "-q", str(Path(site).parent)], check=True)


def install(python: Path, source: Path) -> None:
    """authcheck from the tree `source` into the virtualenv of `python`, as a user installs it (not
    editable): its dependencies, then this tree's code over whatever was there."""
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(source), "python-docx>=1.1"], check=True)  # dependencies; python-docx for make_corpus
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(source)], check=True)  # this tree's code


def smoke_test(ac: str, sample: Path) -> None:
    """Refuse to measure an installation that cannot check a letter."""
    proc = subprocess.run([ac, str(sample), "--format", "json", "--no-cache"], capture_output=True, text=True, cwd="/")
    try:
        ok = proc.returncode in (0, 1) and json.loads(proc.stdout).get("error") is None
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(
            f"the installed authcheck cannot check {sample.name} (exit {proc.returncode}): "
            f"{(proc.stderr or proc.stdout).strip()[:400]}"
        )


def ensure_corpus(n: int, seed: int) -> Path:
    """benchmarks/out/corpus-N, built (or rebuilt) with make_corpus.py when missing or different."""
    out = OUT / f"corpus-{n}"
    info_path = out / "corpus.json"
    want = {"n": n, "seed": seed, "generator": _generator_version()}
    if info_path.exists():
        info = json.loads(info_path.read_text())
        files = sum(1 for _ in (out / "letters").rglob("*.*"))
        if all(info.get(k) == v for k, v in want.items()) and files == n:
            return out
    log(f"building the corpus of {n} letters in {out}")
    subprocess.run(
        [str(venv_python()), str(HERE / "make_corpus.py"), str(out), "--n", str(n), "--seed", str(seed)], check=True
    )
    return out


def _generator_version() -> str:
    """make_corpus.py's GENERATOR_VERSION, read from its source (its value, not the comment after it)."""
    found = re.search(r'^GENERATOR_VERSION\s*=\s*"([^"]*)"', (HERE / "make_corpus.py").read_text(), re.MULTILINE)
    return found.group(1) if found else "?"


def machine_info(exiftool: str | None) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except (OSError, IndexError, ValueError):
        mem = None
    py = subprocess.run(
        [str(venv_python()), "-c", "import sys, platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    versions = subprocess.run(
        [
            str(venv_python()),
            "-c",
            "import importlib.metadata as m, json; print(json.dumps({d: m.version(d) for d in "
            "('authcheck', 'pypdf', 'python-docx', 'rapidfuzz', 'PyYAML', 'google-re2', 'click', 'rich')}))",
        ],
        capture_output=True,
        text=True,
    ).stdout
    try:  # the commit of the installed tree (an exported tree has none: "?")
        commit = (
            subprocess.run(
                ["git", "-C", str(SOURCE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
            if (SOURCE / ".git").exists()
            else ""
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", *PACKAGE_SOURCES], capture_output=True, text=True
        ).stdout.strip()
    except OSError:  # no git
        commit, dirty = "", ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem, 1) if mem else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": py,
        "exiftool": _exiftool_version(exiftool),
        "packages": json.loads(versions or "{}"),
        "git": (commit or "?")
        + ("+dirty" if dirty and SOURCE == ROOT else "")
        + (f", installed from {SOURCE}" if SOURCE != ROOT else ""),
        "source": str(SOURCE),
    }


def _exiftool_version(exiftool: str | None) -> str | None:
    if not exiftool:
        return None
    return subprocess.run([exiftool, "-ver"], capture_output=True, text=True).stdout.strip() or None


# ----------------------------------------------------------------------------- running commands


class Run:
    """One finished command: wall seconds, CPU seconds and peak RSS (MB) of its process tree, exit code."""

    def __init__(self, wall: float, cpu: float, maxrss_mb: float, rc: int, output: Path | None = None):
        self.wall, self.cpu, self.maxrss_mb, self.rc, self.output = wall, cpu, maxrss_mb, rc, output


def cold(argv: list[str]) -> tuple[list[str], dict]:
    """A command run without the warm server (AUTHCHECK_SERVER=off): a user's first command."""
    return argv, {**os.environ, "AUTHCHECK_SERVER": "off"}


def run(
    argv: list[str] | tuple[list[str], dict],
    cwd: str,
    output: Path | None = None,
    poller: RssPoller | None = None,
) -> Run:
    """Run a command with stdout to `output` (or /dev/null); wait4 gives its rusage.

    wait4's ru_maxrss is the largest single process among the command and the descendants it
    reaped (authcheck reaps its workers), not the sum.
    """
    argv, env = argv if isinstance(argv, tuple) else (argv, None)
    out = open(output, "wb") if output else subprocess.DEVNULL  # noqa: SIM115 - closed in the finally below
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
        if poller:
            poller.start(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if poller:
            poller.stop()
        if output:
            out.close()
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, output)


class RssPoller:
    """Polls /proc/<pid>/status VmHWM (peak RSS) of a process and of every descendant while it runs.

    VmHWM only grows, so the last value read before a process exits is (within one polling
    interval) its peak.  A forked worker's RSS counts the pages it shares with the parent.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.peaks: dict[int, float] = {}
        self.root: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        self.root, self.peaks = pid, {}
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid in self._tree(self.root):
                hwm = _vmhwm(pid)
                if hwm is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), hwm)
            self._stop.wait(self.interval)

    @staticmethod
    def _tree(root: int) -> list[int]:
        pids, todo = [], [root]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as fh:
                        todo.extend(int(c) for c in fh.read().split())
            except OSError:
                pass
        return pids

    def parent_mb(self) -> float | None:
        return self.peaks.get(self.root)

    def workers_mb(self) -> list[float]:
        return [mb for pid, mb in self.peaks.items() if pid != self.root]


def _vmhwm(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def count_records(run_: Run, kind: str) -> int | None:
    """How many file records a run printed (JSON lines, or exiftool's JSON array)."""
    if not run_.output or not run_.output.exists():
        return None
    try:
        if kind == "jsonl":
            with open(run_.output, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        return len(json.loads(run_.output.read_bytes() or b"[]"))
    except ValueError:
        return None
    finally:
        run_.output.unlink()


def errors_in(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if b'"error": {' in line or b'"error":{' in line)


# ----------------------------------------------------------------------------- sections


def interleave(commands: dict, rounds: int, cwd: str, seed: int, warmup: bool = True) -> dict:
    """Run every command once per round in a shuffled order; walls and CPU per label."""
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    codes: dict[str, set] = {k: set() for k in commands}
    rng = random.Random(seed)
    if warmup:
        for argv in commands.values():
            run(argv, cwd)
    for _ in range(rounds):
        order = list(commands)
        rng.shuffle(order)
        for label in order:
            r = run(commands[label], cwd)
            walls[label].append(r.wall)
            cpus[label].append(r.cpu)
            codes[label].add(r.rc)
    return {"walls": walls, "cpus": cpus, "codes": {k: sorted(v) for k, v in codes.items()}}


def round_ratios(walls: dict[str, list[float]], num: str, den: str) -> dict | None:
    if num not in walls or den not in walls:
        return None
    return stats([a / b for a, b in zip(walls[num], walls[den])])


def pick_samples(corpus: Path) -> dict[str, Path]:
    """The first 1-page PDF, DOCX, 20-page PDF and text letter of the corpus manifest."""
    picks: dict[str, Path] = {}
    with open(corpus / "manifest.jsonl") as fh:
        for line in fh:
            rec = json.loads(line)
            key = {"pdf-1p": "pdf", "docx": "docx", "pdf-20p": "pdf20", "txt": "txt"}.get(rec["class"])
            if key and key not in picks:
                picks[key] = corpus / rec["file"]
    return picks


def stage_section(samples: dict[str, Path], rounds: int) -> dict:
    """Where the milliseconds go, per kind of file (benchmarks/stages.py with the benchmark venv)."""
    files = [str(samples[k]) for k in ("pdf", "pdf20", "docx", "txt") if k in samples]
    log(f"stage profile: {len(files)} files x {rounds} rounds (+ cProfile)")
    proc = subprocess.run(
        [str(venv_python()), str(HERE / "stages.py"), *files, "--rounds", str(rounds), "--json"],
        capture_output=True,
        text=True,
        cwd="/",
        env={**os.environ, "AUTHCHECK_SERVER": "off"},  # the stages of a cold command, its "whole command" too
    )
    if proc.returncode:
        log(f"WARNING: stage profile failed: {proc.stderr.strip()[-300:]}")
        return {}
    return json.loads(proc.stdout)


def single_section(ac: str, exiftool: str | None, samples: dict[str, Path], rounds: int, cwd: str) -> dict:
    py = str(venv_python())
    cmds = {
        "python -c pass": [py, "-c", "pass"],
        "authcheck --version": [ac, "--version"],
        "json pdf": [ac, str(samples["pdf"]), "--format", "json", "--no-cache"],
        "console pdf": [ac, str(samples["pdf"]), "--no-cache"],
        "json docx": [ac, str(samples["docx"]), "--format", "json", "--no-cache"],
        "json pdf20": [ac, str(samples["pdf20"]), "--format", "json", "--no-cache"],
    }
    for label in ("json pdf", "console pdf", "json docx", "json pdf20"):
        cmds[f"{label} cold"] = cold(cmds[label])
    if exiftool:
        cmds.update(
            {
                "exiftool pdf": [exiftool, str(samples["pdf"])],
                "exiftool docx": [exiftool, str(samples["docx"])],
                "exiftool pdf20": [exiftool, str(samples["pdf20"])],
            }
        )
    log(f"single files: {len(cmds)} commands x {rounds} rounds")
    res = interleave(cmds, rounds, cwd, seed=1)
    w = res["walls"]
    res["ratios"] = {
        "single_json_pdf": round_ratios(w, "json pdf", "exiftool pdf"),
        "single_console_pdf": round_ratios(w, "console pdf", "exiftool pdf"),
        "single_json_docx": round_ratios(w, "json docx", "exiftool docx"),
        "single_json_pdf20": round_ratios(w, "json pdf20", "exiftool pdf20"),
        "single_json_pdf_cold": round_ratios(w, "json pdf cold", "exiftool pdf"),
        "single_console_pdf_cold": round_ratios(w, "console pdf cold", "exiftool pdf"),
        "single_json_docx_cold": round_ratios(w, "json docx cold", "exiftool docx"),
        "single_json_pdf20_cold": round_ratios(w, "json pdf20 cold", "exiftool pdf20"),
        "version": round_ratios(w, "authcheck --version", "python -c pass"),
        "console_vs_json": round_ratios(w, "console pdf", "json pdf"),
    }
    res["stats"] = {k: stats(v) for k, v in w.items()}
    res["samples"] = {k: str(v.relative_to(OUT)) for k, v in samples.items()}
    return res


def batch_section(ac: str, exiftool: str | None, corpus: Path, rounds: int, cwd: str, tmp: Path) -> dict:
    letters = str(corpus / "letters")
    n = sum(1 for _ in (corpus / "letters").rglob("*.*"))
    base = [ac, letters, "--format", "jsonl"]
    plain = {"jobs 2": [*base, "--no-cache", "--jobs", "2"], "jobs 1": [*base, "--no-cache", "--jobs", "1"]}
    if exiftool:
        plain["exiftool -r"] = [exiftool, "-r", "-json", letters]
    walls: dict[str, list[float]] = {k: [] for k in [*plain, "cache fill", "re-scan", "re-scan cold"]}
    cpus: dict[str, list[float]] = {k: [] for k in walls}
    records: dict[str, set] = {k: set() for k in walls}
    codes: dict[str, set] = {k: set() for k in walls}
    errors: set = set()
    rng = random.Random(2)
    log(f"batch of {n}: {len(plain) + 1} measurements x {rounds} rounds")
    for index in range(rounds):
        units = [*plain, "cache"]
        rng.shuffle(units)
        for unit in units:
            if unit == "cache":  # a fresh cache: the first run fills it, the second is the re-scan
                cache_dir = tempfile.mkdtemp(prefix="cache-", dir=tmp)
                argv = [*base, "--jobs", "2", "--cache-dir", cache_dir]
                steps = [("cache fill", argv), ("re-scan", argv), ("re-scan cold", argv)]
            else:
                steps = [(unit, plain[unit])]
            for label, argv in steps:
                output = tmp / f"{label.replace(' ', '-')}-{index}.out"
                # Scans run without the warm server, so their CPU is measured (a served command's
                # work is done by the server's child); the re-scan is timed both ways.
                r = run(argv if label == "re-scan" or argv[0] != ac else cold(argv), cwd, output)
                walls[label].append(r.wall)
                cpus[label].append(r.cpu)
                codes[label].add(r.rc)
                if label == "jobs 2":
                    errors.add(errors_in(output))
                records[label].add(count_records(r, "json" if label == "exiftool -r" else "jsonl"))
                log(f"  round {index + 1}: {label:12s} {r.wall:7.2f} s  (cpu {r.cpu:.1f} s, exit {r.rc})")
            if unit == "cache":
                shutil.rmtree(cache_dir, ignore_errors=True)
    ratios = {
        "batch_jobs2": round_ratios(walls, "jobs 2", "exiftool -r"),
        "batch_jobs1": round_ratios(walls, "jobs 1", "exiftool -r"),
        "pool_scaling": round_ratios(walls, "jobs 1", "jobs 2"),
        "rescan_speedup": round_ratios(walls, "jobs 2", "re-scan"),
        "rescan_speedup_cold": round_ratios(walls, "jobs 2", "re-scan cold"),
        "rescan_vs_fill": round_ratios(walls, "cache fill", "re-scan"),
        "rescan_vs_exiftool": round_ratios(walls, "re-scan", "exiftool -r"),
    }
    return {
        "n": n,
        "walls": walls,
        "cpus": cpus,
        "stats": {k: stats(v) for k, v in walls.items() if v},
        "ratios": ratios,
        "records": {k: sorted(v, key=str) for k, v in records.items()},
        "codes": {k: sorted(v) for k, v in codes.items()},
        "error_records": sorted(errors),
    }


def rss_section(ac: str, exiftool: str | None, samples: dict[str, Path], corpus: Path, cwd: str, repeats: int) -> dict:
    """Peak RSS of the authcheck parent and of its worker, polled from /proc while each runs."""
    log("memory: single files (--jobs 1), then one --jobs 2 scan of the corpus")
    out: dict = {
        "method": "VmHWM of the parent and each descendant polled from /proc every 2 ms "
        "(50 ms for the corpus); wait4 ru_maxrss = largest process of the tree"
    }
    for key in ("pdf20", "pdf", "docx"):
        parents, workers, tree = [], [], []
        for _ in range(repeats):
            poller = RssPoller(0.002)
            r = run(cold([ac, str(samples[key]), "--format", "json", "--no-cache", "--jobs", "1"]), cwd, poller=poller)
            parents.append(poller.parent_mb() or 0.0)
            workers.append(max(poller.workers_mb(), default=0.0))
            tree.append(r.maxrss_mb)
        out[key] = {
            "parent_mb": statistics.median(parents),
            "worker_mb": statistics.median(workers),
            "tree_maxrss_mb": statistics.median(tree),
        }
        if exiftool:
            out[key]["exiftool_mb"] = statistics.median(
                run([exiftool, str(samples[key])], cwd).maxrss_mb for _ in range(repeats)
            )
    out["batch"] = batch_rss(ac, corpus, cwd)
    return out


def batch_rss(ac: str, corpus: Path, cwd: str, jobs: int = 2) -> dict:
    poller = RssPoller(0.05)
    r = run(
        cold([ac, str(corpus / "letters"), "--format", "jsonl", "--no-cache", "--jobs", str(jobs)]), cwd, poller=poller
    )
    workers = poller.workers_mb()
    return {
        "n": corpus.name,
        "wall": r.wall,
        "parent_mb": poller.parent_mb(),
        "worker_max_mb": max(workers, default=None),
        "workers_seen": len(workers),
    }


def scale_section(ac: str, exiftool: str | None, small: Path, big: Path, cwd: str, tmp: Path) -> dict:
    """Per-file time at the small corpus (1,000) and the large one (`--scale-n`), each tool in turn
    (exiftool as the linear control): the small corpus before and after the large one, and the
    large one's per-file figures compared with the mean of the two.

    The large scan takes minutes, and a shared machine's speed drifts over minutes (the control's
    own ratio moved to 1.26× in one such run): measuring the small corpus on both sides of it puts
    the baseline in the same spell, and the two small runs' spread shows how much it drifted."""
    log(f"scale: {small.name} and {big.name} ({small.name} before and after), authcheck --jobs 2 and exiftool -r")
    res: dict = {}
    pairs = [("authcheck", lambda d: cold([ac, str(d / "letters"), "--format", "jsonl", "--no-cache", "--jobs", "2"]))]
    if exiftool:
        pairs.append(("exiftool", lambda d: [exiftool, "-r", "-json", str(d / "letters")]))
    for tool, make in pairs:
        runs = {}
        for label, corpus in (("before", small), ("large", big), ("after", small)):
            n = sum(1 for _ in (corpus / "letters").rglob("*.*"))
            poller = RssPoller(0.1) if tool == "authcheck" else None
            r = run(make(corpus), cwd, tmp / f"scale-{tool}-{n}-{label}.out", poller=poller)
            runs[label] = {
                "n": n,
                "wall": r.wall,
                "cpu": r.cpu,
                "per_file_ms": r.wall / n * 1000,
                "cpu_per_file_ms": r.cpu / n * 1000,
                "records": count_records(r, "jsonl" if tool == "authcheck" else "json"),
                "rc": r.rc,
            }
            if poller:
                runs[label].update(parent_mb=poller.parent_mb(), worker_max_mb=max(poller.workers_mb(), default=None))
            log(f"  {tool} N={n} ({label}): {r.wall:.1f} s ({r.wall / n * 1000:.2f} ms/file)")
        res[tool] = _scale_entry(runs)
    return res


def _scale_entry(runs: dict) -> dict:
    """The scale section's entry for one tool: the large run under its N, the small corpus under its N
    as the mean of its runs before and after (peaks: the larger; records: each run's, checked by
    `check_runs`), the runs themselves under "small_runs", and the per-file ratios."""
    before, large, after = runs["before"], runs["large"], runs["after"]
    small = {key: (before[key] + after[key]) / 2 for key in ("wall", "cpu", "per_file_ms", "cpu_per_file_ms")}
    small.update(
        records=before["records"] if before["records"] == after["records"] else None, rc=max(before["rc"], after["rc"])
    )
    for key in ("parent_mb", "worker_max_mb"):
        if key in before:
            small[key] = max((v for v in (before[key], after[key]) if v is not None), default=None)
    entry = {
        str(before["n"]): small,
        str(large["n"]): {k: v for k, v in large.items() if k != "n"},
        "small_runs": {"before": before, "after": after},
    }
    entry["per_file_ratio"] = large["per_file_ms"] / small["per_file_ms"]
    entry["cpu_per_file_ratio"] = large["cpu_per_file_ms"] / small["cpu_per_file_ms"]
    return entry


def check_runs(results: dict) -> list[str]:
    """Runs that did not do what they were timed for: wrong record counts or unexpected exit codes."""
    out = []
    batch = results["batch"]
    for label, counts in batch["records"].items():
        if counts and counts != [batch["n"]]:
            out.append(f"batch '{label}' printed {counts} records for {batch['n']} files")
    single = results["single"]
    expected = sum(
        len(v) + 1
        for k, v in single["walls"].items()
        if k.startswith(("json ", "console ")) and not k.endswith(" cold")
    )
    if single.get("served_by_server") != expected:
        out.append(
            f"the warm server ran {single.get('served_by_server')} of the {expected} served single-file commands"
        )
    for label, codes in {**results["single"]["codes"], **batch["codes"]}.items():
        bad = [c for c in codes if c not in (0, 1)]
        if bad:
            out.append(f"'{label}' exited with {bad}")
    if any(batch["error_records"]):
        out.append(f"{batch['error_records']} files could not be checked in the --jobs 2 scan")
    for tool, entry in (results.get("scale") or {}).items():
        runs = entry.get("small_runs") or {}  # the small corpus's own runs, where its row is their mean
        rows = [(str(row["n"]), row) for row in runs.values()]
        averaged = {n for n, _ in rows}
        rows += [(n, row) for n, row in entry.items() if n.isdigit() and n not in averaged]
        for n, row in rows:
            if row.get("records") != int(n):
                out.append(f"scale {tool} N={n} printed {row.get('records')} records")
    return out


# ----------------------------------------------------------------------------- report


def _bracket(entry: dict, key: str) -> str:
    """ " (before / after)" for a small-corpus figure that is the mean of runs on both sides of the
    large one, "" for an older results file with one run."""
    runs = entry.get("small_runs")
    if not runs:
        return ""
    return f" ({runs['before'][key]:.2f} / {runs['after'][key]:.2f})"


def goal_check(key: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    _, op, target = GOALS[key]
    ok = value <= target if op == "<=" else value >= target if op == ">=" else value < target
    return "yes" if ok else "**no**"


def fmt_ratio(ratio: dict | None, suffix: str = "×") -> str:
    """Median of the per-round ratios with their range, e.g. 2.46× (1.92–4.11)."""
    if not ratio:
        return "n/a"
    if ratio["n"] == 1:
        return f"{ratio['median']:.2f}{suffix}"
    return f"{ratio['median']:.2f}{suffix} ({ratio['min']:.2f}–{ratio['max']:.2f})"


def mb(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def markdown(results: dict) -> str:
    m = results["machine"]
    single, batch = results["single"], results["batch"]
    s, r = single["stats"], single["ratios"]
    lines = [f"**WARNING: {w}**" for w in results.get("warnings", [])] + [
        f"Measured {results['date']} on {m['cpu']}, {m['usable_cores']} cores, {m['memory_gib']} GiB, "
        f"{m['os']}, Python {m['python']}; authcheck {m['packages'].get('authcheck')} ({m['git']}), "
        f"exiftool {m['exiftool'] or 'absent'}; load average {results['load_before']} before, "
        f"{results['load_after']} after. Ratios are medians of per-round ratios "
        f"({single['rounds']} single-file rounds, {batch['rounds']} batch round(s)); medians of wall time.",
        "",
        "| measurement | authcheck | compared with | ratio | goal | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]

    def ratio_row(label, ac_key, base_label, base_key, goal_key, ratio_key=None, fmt=fmt_ms):
        ratio = r.get(ratio_key or goal_key)
        base = f"{base_label} {fmt(s[base_key]['median'])}" if base_key in s else base_label + " (absent)"
        value = ratio["median"] if ratio else None
        goal = GOALS.get(goal_key)
        goal_text = f"{goal[1].replace('<=', '≤').replace('>=', '≥')} {goal[2]:g}" if goal else "–"
        lines.append(
            f"| {label} | {fmt(s[ac_key]['median'])} | {base} | "
            f"{fmt_ratio(ratio)} | {goal_text} | "
            f"{goal_check(goal_key, value) if goal else '–'} |"
        )

    for how, tail in (("", ""), (" (no server: first command)", " cold")):
        key = "_cold" if tail else ""
        ratio_row(
            f"1-page PDF, `--format json --no-cache`{how}",
            f"json pdf{tail}",
            "`exiftool F`",
            "exiftool pdf",
            f"single_json_pdf{key}",
        )
        ratio_row(
            f"1-page PDF, console report{how}",
            f"console pdf{tail}",
            "`exiftool F`",
            "exiftool pdf",
            f"single_console_pdf{key}",
        )
        ratio_row(
            f"DOCX, `--format json`{how}", f"json docx{tail}", "`exiftool F`", "exiftool docx", f"single_json_docx{key}"
        )
        ratio_row(
            f"20-page PDF, `--format json`{how}",
            f"json pdf20{tail}",
            "`exiftool F`",
            "exiftool pdf20",
            f"single_json_pdf20{key}",
        )
    ratio_row("`authcheck --version`", "authcheck --version", "`python -c pass`", "python -c pass", "version")

    b, br, n = batch["stats"], batch["ratios"], batch["n"]

    def batch_cell(label):
        return f"{fmt_s(b[label]['median'])} ({n / b[label]['median']:.0f} files/s)" if label in b else "n/a"

    exif = f"`exiftool -r -json` {batch_cell('exiftool -r')}" if "exiftool -r" in b else "exiftool absent"
    for label, key in (("jobs 2", "batch_jobs2"), ("jobs 1", "batch_jobs1")):
        ratio = br.get(key)
        value = ratio["median"] if ratio else None
        goal = GOALS.get(key)
        lines.append(
            f"| {n} letters, `--format jsonl --no-cache --{label}` | {batch_cell(label)} | "
            f"{exif} | {fmt_ratio(ratio)} | "
            f"{f'≤ {goal[2]:g}' if goal else '–'} | {goal_check(key, value) if goal else '–'} |"
        )
    cpu = {k: statistics.median(v) for k, v in batch["cpus"].items() if v}
    exif_cpu = "{:.1f}".format(cpu["exiftool -r"]) if "exiftool -r" in cpu else "–"
    fill = statistics.median(a / c for a, c in zip(batch["walls"]["cache fill"], batch["walls"]["jobs 2"]))
    lines.append(
        f"| `--jobs 2` speed-up over `--jobs 1` (CPU s: jobs 1 / jobs 2 / exiftool) | | "
        f"{cpu['jobs 1']:.1f} / {cpu['jobs 2']:.1f} / {exif_cpu} s CPU | "
        f"{fmt_ratio(br['pool_scaling'])} | – | – |"
    )
    rs = br["rescan_speedup"]["median"]
    lines.append(
        f"| re-scan, cache filled by a first run | {fmt_s(b['re-scan']['median'])} | first scan "
        f"(`--no-cache --jobs 2`) {fmt_s(b['jobs 2']['median'])} | {fmt_ratio(br['rescan_speedup'])} "
        f"faster | ≥ {GOALS['rescan_speedup'][2]:g}× | {goal_check('rescan_speedup', rs)} |"
    )
    rc_ = br.get("rescan_speedup_cold")
    if rc_:
        lines.append(
            f"| re-scan, no server | {fmt_s(b['re-scan cold']['median'])} | first scan {fmt_s(b['jobs 2']['median'])} | "
            f"{fmt_ratio(rc_)} faster | ≥ {GOALS['rescan_speedup_cold'][2]:g}× | "
            f"{goal_check('rescan_speedup_cold', rc_['median'])} |"
        )
    lines.append(
        f"| first scan that fills the cache | {fmt_s(b['cache fill']['median'])} | `--no-cache --jobs 2` | "
        f"{fill:.2f}× | – | – |"
    )

    mem = results["rss"]
    w20 = mem["pdf20"]
    ex20 = f"exiftool {w20['exiftool_mb']:.0f} MB" if "exiftool_mb" in w20 else "–"
    lines.append(
        f"| peak RSS, 20-page PDF: worker / parent | {mb(w20['worker_mb'])} / {mb(w20['parent_mb'])} MB | "
        f"{ex20} | – | worker < 150 MB | {goal_check('worker_rss', w20['worker_mb'])} |"
    )
    for key, label in (("pdf", "1-page PDF"), ("docx", "DOCX")):
        e = mem[key]
        ex = f"exiftool {e['exiftool_mb']:.0f} MB" if "exiftool_mb" in e else "–"
        lines.append(
            f"| peak RSS, {label}: worker / parent | {mb(e['worker_mb'])} / {mb(e['parent_mb'])} MB | "
            f"{ex} | – | – | – |"
        )
    bm = mem["batch"]
    lines.append(
        f"| peak RSS, {bm['n']} with `--jobs 2`: worker max / parent | "
        f"{mb(bm['worker_max_mb'])} / {mb(bm['parent_mb'])} MB | – | – | worker < 150 MB | "
        f"{goal_check('worker_rss', bm['worker_max_mb'])} |"
    )
    scale = results.get("scale")
    if scale:
        a = scale["authcheck"]
        small, big = sorted((k for k in a if k.isdigit()), key=int)
        ctrl = scale.get("exiftool")
        ctrl_text = (
            (
                f"exiftool {ctrl[small]['per_file_ms']:.2f} → {ctrl[big]['per_file_ms']:.2f} ms/file "
                f"({ctrl['per_file_ratio']:.2f}×)"
            )
            if ctrl
            else "–"
        )
        lines.append(
            f"| per-file time, {small} → {big} letters (`--jobs 2`), wall | "
            f"{a[small]['per_file_ms']:.2f}{_bracket(a, 'per_file_ms')} → "
            f"{a[big]['per_file_ms']:.2f} ms | {ctrl_text} | {a['per_file_ratio']:.2f}× | ≤ 1.1 | "
            f"{goal_check('linear', a['per_file_ratio'])} |"
        )
        cpu_ratio = a["cpu_per_file_ratio"]
        lines.append(
            f"| per-file CPU, {small} → {big} letters | {a[small]['cpu_per_file_ms']:.2f}"
            f"{_bracket(a, 'cpu_per_file_ms')} → "
            f"{a[big]['cpu_per_file_ms']:.2f} ms | – | {cpu_ratio:.2f}× | ≤ 1.1 | {goal_check('linear_cpu', cpu_ratio)} |"
        )
        lines.append(
            f"| peak RSS at {big} letters: worker max / parent | {mb(a[big]['worker_max_mb'])} / "
            f"{mb(a[big]['parent_mb'])} MB | at {small}: {mb(a[small]['worker_max_mb'])} / "
            f"{mb(a[small]['parent_mb'])} MB | – | – | – |"
        )
    stages = results.get("stages")
    if stages:
        lines += [
            "",
            "Where the time goes (`benchmarks/stages.py`, fresh interpreter per run, "
            f"{stages['rounds']} interleaved rounds, medians):",
            "",
            stages["table"],
            "",
            "```",
            stages["cprofile"],
            "```",
        ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 single-file rounds, 1 batch round, no 10k scale run")
    parser.add_argument("--rounds", type=int, default=None, help="single-file rounds [20; quick 5]")
    parser.add_argument("--batch-rounds", type=int, default=None, help="corpus rounds [3; quick 1]")
    parser.add_argument("--n", type=int, default=1000, help="corpus size [1000]")
    parser.add_argument("--scale-n", type=int, default=10000, help="large corpus for the linearity check [10000]")
    parser.add_argument("--seed", type=int, default=SEED, help=f"corpus seed [{SEED}]")
    parser.add_argument("--no-profile", action="store_true", help="skip the per-stage profile (stages.py)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that creates benchmarks/.venv")
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="install authcheck from this tree instead of the repository (e.g. an exported commit)",
    )
    args = parser.parse_args(argv)
    global SOURCE
    SOURCE = args.source.resolve()
    rounds = args.rounds or (5 if args.quick else 20)
    batch_rounds = args.batch_rounds or (1 if args.quick else 3)

    # The parsed-rule cache of our own: other processes sharing ~/.cache (test suites with another cache
    # key) would otherwise overwrite its entries and every measured run would parse the YAML again.
    os.environ["XDG_CACHE_HOME"] = str(OUT / "xdg-cache")
    # The warm server (cli/warm.py) as a user has it from their second command on, in a private
    # runtime folder of the benchmark's own (short: a socket path holds 108 bytes); the rows marked
    # "no server" run with AUTHCHECK_SERVER=off, as a user's first command does.
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="acb")
    os.environ["AUTHCHECK_SERVER"] = "on"
    exiftool = shutil.which("exiftool")
    if not exiftool:
        print(EXIFTOOL_MISSING, file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    ensure_venv(args.python)
    ac = str(VENV / "bin" / "authcheck")
    corpus = ensure_corpus(args.n, args.seed)
    big = None if args.quick else ensure_corpus(args.scale_n, args.seed)
    samples = pick_samples(corpus)
    smoke_test(ac, samples["pdf"])
    subprocess.run([ac, "server", "start"], check=True, stdout=subprocess.DEVNULL)

    results: dict = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine_info(exiftool),
        "load_before": _load(),
        "exiftool_found": bool(exiftool),
        "params": {
            "n": args.n,
            "seed": args.seed,
            "rounds": rounds,
            "batch_rounds": batch_rounds,
            "scale_n": None if args.quick else args.scale_n,
        },
    }
    with tempfile.TemporaryDirectory(prefix="authcheck-bench-") as tmpdir:
        tmp, cwd = Path(tmpdir), tmpdir  # a neutral working folder: no project config in the repository
        for path in (corpus / "letters").rglob("*.*"):  # page cache warm for every tool alike
            path.read_bytes()
        served = server_served(ac)
        results["single"] = {"rounds": rounds, **single_section(ac, exiftool, samples, rounds, cwd)}
        results["single"]["served_by_server"] = server_served(ac) - served
        results["batch"] = {"rounds": batch_rounds, **batch_section(ac, exiftool, corpus, batch_rounds, cwd, tmp)}
        if not args.no_profile:
            results["stages"] = stage_section(samples, min(rounds, 7))
        results["rss"] = rss_section(ac, exiftool, samples, corpus, cwd, repeats=3 if args.quick else 5)
        if big is not None:
            for path in (big / "letters").rglob("*.*"):
                path.read_bytes()
            results["scale"] = scale_section(ac, exiftool, corpus, big, cwd, tmp)
    subprocess.run([ac, "server", "stop"], stdout=subprocess.DEVNULL)
    shutil.rmtree(os.environ["XDG_RUNTIME_DIR"], ignore_errors=True)
    results["load_after"] = _load()
    results["warnings"] = check_runs(results)
    for warning in results["warnings"]:
        log(f"WARNING: {warning}")
    results["goals"] = {k: {"what": v[0], "target": f"{v[1]} {v[2]}"} for k, v in GOALS.items()}
    table = markdown(results)
    results["markdown"] = table
    stem = f"results-{dt.date.today().isoformat()}{'-quick' if args.quick else ''}"
    name, index = f"{stem}.json", 1
    while (OUT / name).exists():  # never overwrite an earlier run of the same day
        index += 1
        name = f"{stem}-{index}.json"
    (OUT / name).write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(table)
    print(f"\n(written to benchmarks/out/{name})")
    return 0


def server_served(ac: str) -> int:
    """How many commands the warm server has run (-1 when none answers)."""
    out = subprocess.run([ac, "server", "status"], capture_output=True, text=True).stdout
    found = re.search(r"served=(\d+)", out)
    return int(found.group(1)) if found else -1


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
