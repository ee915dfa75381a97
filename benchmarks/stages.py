"""Where each millisecond of one `authcheck FILE --format json` goes: a stage profile per kind of file.

    benchmarks/.venv/bin/python benchmarks/stages.py FILE... [--rounds 7] [--no-cprofile] [--json]

(`bench.py` runs it on its 1-page PDF, 20-page PDF, DOCX and text letter and prints the table.)
Each round runs, for every file in a new shuffled order, one fresh interpreter that times the stages
of the single-file JSON path with `time.perf_counter` (wall) and `time.process_time` (CPU) around
each: imports of the CLI, configuration and rules, the pipeline's lazy imports (the format's reader
library, forensics, extraction, rules engine, JSON reporter), sniff, load (the reader, without
layout), layout (`pdflayout.layout_lines`), forensics, extract, registry, rules, score, evidence boxes (with
loading PDFium, `loaders/pdfiumlite.py`, when a finding points into page text) and report.
`python -c pass` runs in the same rounds for interpreter start-up, and the whole
`authcheck FILE --format json --no-cache` command for the total (wall, and CPU from `os.wait4`).
Medians over rounds.  The machine is shared: read CPU beside wall, and shares rather than
absolute values.  With cProfile (default) one warm check per file in one process prints the
functions with the most own time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

SNIPPET = r"""
import sys, time, json
T = {}
def mark(label, t0, c0):
    T[label] = (time.perf_counter() - t0, time.process_time() - c0)
t0, c0 = time.perf_counter(), time.process_time()
import authcheck.cli.main, authcheck.cli.commands
mark("imports: CLI", t0, c0)
t0, c0 = time.perf_counter(), time.process_time()
from authcheck.cli.commands import project_config
from authcheck.engine.rulepack import load_ruleset
project = project_config({"no_cache": True})
ruleset = load_ruleset(project.settings.rule_dirs)
mark("config + rules", t0, c0)
path = sys.argv[1]
data = open(path, "rb").read()
t0, c0 = time.perf_counter(), time.process_time()
import authcheck.loaders as loaders
kind = loaders.sniff(data)
mark("sniff", t0, c0)
t0, c0 = time.perf_counter(), time.process_time()
import importlib
# pypdf is imported by the PDF loader itself when a file needs it (not a plain one): "load" counts it then
for name in {"pdf": ["authcheck.loaders.pdf", "authcheck.loaders.plainpdf"], "docx": ["authcheck.loaders.docx"]}.get(
        kind, ["authcheck.loaders.text"]) + ["authcheck.forensics", "authcheck.extract", "authcheck.registry",
        "authcheck.engine.evaluate", "authcheck.scoring.score", "authcheck.reporters.jsonout"]:
    importlib.import_module(name)
if kind in ("pdf", "docx"):  # what the format table prewarms for it (python-docx is no longer read: a27aff0)
    importlib.import_module(f"authcheck.forensics.{kind}facts")
mark("imports: reader + pipeline", t0, c0)
acc = {}
def timed(module, name, label):
    original = getattr(module, name)
    def wrapper(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        try:
            return original(*a, **k)
        finally:
            w0, c1 = acc.get(label, (0.0, 0.0))
            acc[label] = (w0 + time.perf_counter() - t, c1 + time.process_time() - c)
    setattr(module, name, wrapper)
import authcheck.forensics, authcheck.extract, authcheck.registry, authcheck.engine.evaluate, authcheck.scoring.score
timed(loaders, "load", "load")
if kind == "pdf":
    import authcheck.loaders.pdf as lpdf
    timed(lpdf, "layout_lines", "layout")
timed(authcheck.forensics, "examine", "forensics")
timed(authcheck.extract, "extract", "extract")
timed(authcheck.registry, "knowledge_for", "registry")
timed(authcheck.engine.evaluate, "evaluate", "rules")
timed(authcheck.scoring.score, "build_result", "score")
import authcheck.scoring.evidencebox
timed(authcheck.scoring.evidencebox, "with_boxes", "evidence boxes")
from authcheck.batch.pipeline import check_path
result = check_path(path, project.settings, ruleset)
if "layout" in acc:
    acc["load"] = tuple(a - b for a, b in zip(acc["load"], acc["layout"]))
T.update(acc)
t0, c0 = time.perf_counter(), time.process_time()
from authcheck.reporters.jsonout import render_json
render_json(result)
mark("report (JSON)", t0, c0)
print(json.dumps({"stages": T, "error": result.error is not None}))
"""

ORDER = [
    "start-up (python -c pass)",
    "imports: CLI",
    "config + rules",
    "sniff",
    "imports: reader + pipeline",
    "load",
    "layout",
    "forensics",
    "extract",
    "registry",
    "rules",
    "score",
    "evidence boxes",
    "report (JSON)",
]


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """(wall s, child CPU s, stdout) of one command run from a neutral folder."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/")
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, out.decode()


def profile(files: dict[str, Path], rounds: int, python: str, authcheck: str) -> dict:
    """{label: {stage: (median wall ms, median CPU ms)}} over `rounds` interleaved rounds."""
    samples: dict[str, dict[str, list]] = {label: {} for label in files}
    for _ in range(rounds):
        jobs = [(label, kind) for label in files for kind in ("stages", "pass", "total")]
        random.shuffle(jobs)
        for label, kind in jobs:
            rows = samples[label]
            if kind == "pass":
                wall, cpu, _ = _run([python, "-c", "pass"])
                rows.setdefault(ORDER[0], []).append((wall, cpu))
            elif kind == "total":
                wall, cpu, _ = _run([authcheck, str(files[label]), "--format", "json", "--no-cache"])
                rows.setdefault("whole command", []).append((wall, cpu))
            else:
                _, _, out = _run([python, "-c", SNIPPET, str(files[label])])
                for stage, pair in json.loads(out)["stages"].items():
                    rows.setdefault(stage, []).append(tuple(pair))
    return {
        label: {
            stage: (1000 * statistics.median(w for w, _ in v), 1000 * statistics.median(c for _, c in v))
            for stage, v in rows.items()
        }
        for label, rows in samples.items()
    }


def table(result: dict) -> str:
    """Markdown: one row per stage, one column per file, "wall / CPU" ms."""
    labels = list(result)
    lines = ["| stage (median ms, wall / CPU) | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for stage in [*ORDER, "whole command"]:
        cells = [result[label].get(stage) for label in labels]
        if any(cells):
            lines.append(
                f"| {stage} | "
                + " | ".join(
                    f"{w:.1f} / {c:.1f}" if c is not None else "–" for w, c in (cell or (None, None) for cell in cells)
                )
                + " |"
            )
    sums = [sum(result[label].get(s, (0, 0))[0] for s in ORDER) for label in labels]
    lines.append("| sum of stages (wall) | " + " | ".join(f"{s:.1f}" for s in sums) + " |")
    return "\n".join(lines)


def cprofile_top(files: dict[str, Path], n: int = 8) -> str:
    """Own-time top functions of one warm check per file, in this process."""
    import cProfile
    import io
    import pstats

    from authcheck.batch.pipeline import check_path
    from authcheck.cli.commands import project_config
    from authcheck.engine.rulepack import load_ruleset

    project = project_config({"no_cache": True})
    ruleset = load_ruleset(project.settings.rule_dirs)
    out = []
    for label, path in files.items():
        check_path(str(path), project.settings, ruleset)  # warm: lazy imports done
        prof = cProfile.Profile()
        prof.enable()
        check_path(str(path), project.settings, ruleset)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(n)
        text = buf.getvalue()
        out.append(f"--- {label} (warm check, cProfile, by own time)\n" + text[text.find("   ncalls") :].rstrip())
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-cprofile", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object (bench.py reads it)")
    args = parser.parse_args(argv)
    os.environ.setdefault("XDG_CACHE_HOME", str(Path(__file__).resolve().parent / "out" / "xdg-cache"))
    bindir = Path(sys.executable).parent
    files = {p.name: p.resolve() for p in args.files}
    result = profile(files, args.rounds, sys.executable, str(bindir / "authcheck"))
    top = "" if args.no_cprofile else cprofile_top(files)
    if args.json:
        print(json.dumps({"rounds": args.rounds, "ms": result, "table": table(result), "cprofile": top}))
    else:
        print(table(result))
        print(top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
