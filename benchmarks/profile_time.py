"""Where authcheck's time goes: one letter's JSON path, and a batch of corpus files in-process.

    benchmarks/.venv/bin/python benchmarks/profile_time.py [--corpus benchmarks/out/corpus-1000] [--files 200]

Run it with the benchmark venv's interpreter (authcheck installed non-editable, .pyc present;
`python benchmarks/bench.py --quick` creates it and the corpus).  Prints, and writes
benchmarks/out/profile-<date>.txt:

1. `python -X importtime -m authcheck F --format json --no-cache` (parent and forked worker
   share stderr): import self-time by top-level package, median of 5 fresh processes.
2. The single-letter path split in a fresh interpreter (median of 5): CLI imports, rule loading,
   the first `check_path` (which pulls in the loader's libraries), a second warm `check_path`, JSON.
3. cProfile of `authcheck.batch.pipeline.check_path` over --files corpus files in one process (after
   one warm-up file): time per class of file, per stage (load / extract / rules / score, timed by
   wrapping the functions check_path calls), per rule id (wrapping engine.evaluate_rule), and
   the top functions by own time and by cumulative time (pypdf text extraction and friends).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

SPLIT_SNIPPET = r"""
import sys, time, json
t0 = time.perf_counter()
import authcheck.cli.main, authcheck.cli.commands  # what the parent imports before any work
t1 = time.perf_counter()
from authcheck.cli.commands import project_config
from authcheck.engine.rulepack import load_ruleset
project = project_config({"no_cache": True})
ruleset = load_ruleset(project.settings.rule_dirs)
t2 = time.perf_counter()
from authcheck.batch.pipeline import check_path
result = check_path(sys.argv[1], project.settings, ruleset)
t3 = time.perf_counter()
check_path(sys.argv[1], project.settings, ruleset)
t4 = time.perf_counter()
from authcheck.reporters.jsonout import render_json
render_json(result)
t5 = time.perf_counter()
print(json.dumps({"cli imports": t1 - t0, "config + rules": t2 - t1, "first check (lazy imports)": t3 - t2,
                  "warm check": t4 - t3, "render json": t5 - t4, "modules": len(sys.modules)}))
"""


def importtime(python: str, path: str, runs: int) -> tuple[dict, dict]:
    """Import self-time by top-level package and the heaviest single modules (ms, medians)."""
    per_pkg: dict[str, list[float]] = defaultdict(list)
    per_mod: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        proc = subprocess.run(
            [python, "-X", "importtime", "-m", "authcheck", path, "--format", "json", "--no-cache"],
            capture_output=True,
            text=True,
            cwd="/",
        )
        pkg: dict[str, float] = defaultdict(float)
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if not m:
                continue
            self_us, name = int(m.group(1)), m.group(4)
            pkg[name.split(".")[0]] += self_us / 1000
            per_mod[name].append(self_us / 1000)
        for name, ms in pkg.items():
            per_pkg[name].append(ms)
    med = {k: statistics.median(v + [0.0] * (runs - len(v))) for k, v in per_pkg.items()}
    mods = {k: statistics.median(v) for k, v in per_mod.items()}
    return dict(sorted(med.items(), key=lambda kv: -kv[1])), dict(sorted(mods.items(), key=lambda kv: -kv[1])[:15])


def single_split(python: str, path: str, runs: int) -> dict:
    rows = []
    for _ in range(runs):
        proc = subprocess.run([python, "-c", SPLIT_SNIPPET, path], capture_output=True, text=True, cwd="/", check=True)
        rows.append(json.loads(proc.stdout))
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def cprofile_single(path: str) -> str:
    """cProfile of the first (cold) check_path in this process: imports included."""
    from authcheck.batch.pipeline import check_path
    from authcheck.cli.commands import project_config
    from authcheck.engine.rulepack import load_ruleset

    project = project_config({"no_cache": True})
    ruleset = load_ruleset(project.settings.rule_dirs)
    prof = cProfile.Profile()
    prof.enable()
    check_path(path, project.settings, ruleset)
    prof.disable()
    return _top(prof, "cumulative", 18)


def _top(prof: cProfile.Profile, key: str, n: int) -> str:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats(key).print_stats(n)
    text = buf.getvalue()
    return text[text.find("   ncalls") :].rstrip()


def batch(corpus: Path, files: int) -> dict:
    """Per class, stage and rule timings plus cProfile of check_path over `files` corpus files."""
    import authcheck.engine.evaluate as engine
    import authcheck.extract as extract_mod
    import authcheck.loaders as loaders
    import authcheck.scoring.score as scoring
    from authcheck.batch.pipeline import check_path
    from authcheck.cli.commands import project_config
    from authcheck.engine.rulepack import load_ruleset

    project = project_config({"no_cache": True})
    ruleset = load_ruleset(project.settings.rule_dirs)
    records = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()][:files]
    stage: dict[str, float] = defaultdict(float)
    per_rule: dict[str, float] = defaultdict(float)

    def timed(module, name, label):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stage[label] += time.perf_counter() - start

        setattr(module, name, wrapper)

    timed(loaders, "load", "load (sniff + parse + text)")
    timed(extract_mod, "extract", "extract (layout, parties, dates, signature)")
    timed(engine, "evaluate", "rules (context + every rule)")
    timed(scoring, "build_result", "score")
    timed(engine, "context_for", "  of which: rule context (fields, segments)")
    original_rule = engine.evaluate_rule

    def rule_wrapper(rule, ctx):
        start = time.perf_counter()
        try:
            return original_rule(rule, ctx)
        finally:
            per_rule[rule.id] += time.perf_counter() - start

    engine.evaluate_rule = rule_wrapper

    check_path(str(corpus / records[0]["file"]), project.settings, ruleset)  # warm-up: lazy imports
    stage.clear(), per_rule.clear()
    plain: dict[str, list[float]] = defaultdict(list)  # pass 1, unprofiled: honest stage/rule/class times
    for rec in records:
        start = time.perf_counter()
        check_path(str(corpus / rec["file"]), project.settings, ruleset)
        plain[rec["class"]].append(time.perf_counter() - start)
    stages, rules = dict(stage), dict(per_rule)
    prof = cProfile.Profile()  # pass 2, under cProfile (which inflates Python-heavy code): where inside
    total_start = time.perf_counter()
    for rec in records:
        prof.enable()
        check_path(str(corpus / rec["file"]), project.settings, ruleset)
        prof.disable()
    total = time.perf_counter() - total_start
    stats = pstats.Stats(prof)
    groups = _groups(stats)
    plain_total = sum(map(sum, plain.values()))
    return {
        "files": len(records),
        "total_profiled": total,
        "total_plain": plain_total,
        "per_class_ms": {
            k: {"files": len(v), "mean_ms": statistics.mean(v) * 1000, "share": sum(v) / plain_total}
            for k, v in sorted(plain.items())
        },
        "stages_s": stages,
        "rules_s": dict(sorted(rules.items(), key=lambda kv: -kv[1])),
        "groups_s": groups,
        "top_tottime": _top(prof, "tottime", 25),
        "top_cumulative": _top(prof, "cumulative", 30),
    }


def what_if(corpus: Path, files: int) -> dict:
    """Upper bounds of two fixes, timed without a profiler, alternating per file (ms per file).

    PDF: load() as is vs. with the image walk (`_page_images`, a second parse of every page's
    content stream) stubbed out.  DOCX: load() vs. its python-docx open alone vs. the styles.xml parse.
    """
    import hashlib

    import authcheck.loaders.docx as ldocx
    import authcheck.loaders.pdf as lpdf
    from authcheck.loaders import load
    from authcheck.loaders.ooxml import Package
    from authcheck.settings import Settings

    limits = Settings().limits
    records = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()][:files]
    real_images = getattr(lpdf, "_page_images", None)  # gone once images come from the text pass
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def timed(data, name):
        start = time.perf_counter()
        load(data, path=name, sha256=hashlib.sha256(data).hexdigest(), password=None, limits=limits)
        return (time.perf_counter() - start) * 1000

    for rec in records:
        data = (corpus / rec["file"]).read_bytes()
        row = out[rec["class"]]
        if rec["format"] == "pdf":
            row["load"].append(timed(data, rec["file"]))
            if real_images is None:
                continue
            lpdf._page_images = lambda page, number: []
            try:
                row["load without image walk"].append(timed(data, rec["file"]))
            finally:
                lpdf._page_images = real_images
        elif rec["format"] == "docx":
            row["load"].append(timed(data, rec["file"]))
            start = time.perf_counter()
            ldocx._open_body(data)
            row["python-docx Document() alone"].append((time.perf_counter() - start) * 1000)
            package = Package.open(data, limits)
            start = time.perf_counter()
            ldocx._styles(package)
            row["styles.xml parse alone"].append((time.perf_counter() - start) * 1000)
    return {cls: {k: statistics.mean(v) for k, v in row.items()} for cls, row in sorted(out.items())}


def _groups(stats: pstats.Stats) -> dict:
    """Cumulative time of well-known entry points (seconds, under cProfile)."""
    wanted = {
        "pypdf PageObject.extract_text": ("pypdf/_page.py", "extract_text"),
        "pypdf PdfReader.__init__": ("pypdf/_reader.py", "__init__"),
        "authcheck loaders.pdf._read_page": ("loaders/pdf.py", "_read_page"),
        "authcheck loaders.pdf._signature_fields": ("loaders/pdf.py", "_signature_fields"),
        "authcheck loaders.pdf._metadata": ("loaders/pdf.py", "_metadata"),
        "authcheck pdflayout.layout_page": ("loaders/pdflayout.py", "layout_page"),
        "authcheck loaders.pdf._page_images": ("loaders/pdf.py", "_page_images"),
        "python-docx Document()": ("docx/api.py", "Document"),
        "authcheck loaders.docx.load_docx": ("loaders/docx.py", "load_docx"),
        "authcheck checks.fuzzy": ("checks/fuzzy.py", "hits"),
        "authcheck checks.regex": ("checks/regex.py", "hits"),
        "authcheck checks.phrases": ("checks/phrases.py", "hits"),
        "authcheck checks.near": ("checks/near.py", "hits"),
        "authcheck guards (Guard.blocks)": ("checks/base.py", "blocks"),
        "authcheck fields.letter_fields": ("fields.py", "letter_fields"),
        "authcheck similarity conditions": ("checks/conditions.py", "_best_pair"),
        "hashlib sha256": ("~", "<built-in method _hashlib.openssl_sha256>"),
    }
    out = {}
    for label, (file_part, func) in wanted.items():
        total = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if name == func and file_part in filename:
                total = max(total, ct)  # recursion-safe: the outermost frame's cumulative time
        out[label] = total
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus-1000")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    import authcheck

    if "site-packages" not in authcheck.__file__:
        print(f"warning: authcheck is imported from {authcheck.__file__}, not an installed copy", file=sys.stderr)
    manifest = [json.loads(line) for line in (args.corpus / "manifest.jsonl").read_text().splitlines()]
    sample = str(args.corpus / next(r["file"] for r in manifest if r["class"] == "pdf-1p"))
    lines = [f"# authcheck profile {dt.datetime.now().isoformat(timespec='seconds')}  (sample {sample})", ""]

    pkgs, mods = importtime(sys.executable, sample, args.runs)
    lines += ["## 1. -X importtime, single 1-page PDF, --format json (self ms by top-level package, median)", ""]
    lines += [f"{ms:8.1f}  {name}" for name, ms in list(pkgs.items())[:20]]
    lines += [f"{sum(pkgs.values()):8.1f}  TOTAL", "", "heaviest modules (self ms):"]
    lines += [f"{ms:8.1f}  {name}" for name, ms in mods.items()]

    split = single_split(sys.executable, sample, args.runs)
    lines += ["", "## 2. single-letter path in one fresh interpreter (median ms)", ""]
    lines += [f"{v * 1000:8.1f}  {k}" if k != "modules" else f"{v:8.0f}  modules loaded" for k, v in split.items()]
    lines += ["", "cProfile of the cold check_path (imports included), by cumulative time:", cprofile_single(sample)]

    b = batch(args.corpus, args.files)
    lines += [
        "",
        f"## 3. batch: check_path over {b['files']} corpus files in one process",
        "",
        "per class (unprofiled pass): files, mean ms/file, share of time",
    ]
    lines += [
        f"  {k:8s} {v['files']:4d} {v['mean_ms']:8.1f} ms {v['share'] * 100:5.1f} %"
        for k, v in b["per_class_ms"].items()
    ]
    lines += [f"  total    {b['files']:4d} {b['total_plain']:8.2f} s  (under cProfile: {b['total_profiled']:.2f} s)"]
    lines += ["", "stages (unprofiled pass, s):"] + [f"{v:8.3f}  {k}" for k, v in b["stages_s"].items()]
    lines += ["", "rules by id (unprofiled pass, s):"] + [f"{v:8.3f}  {k}" for k, v in b["rules_s"].items()]
    lines += ["", "entry points (cumulative under cProfile, s):"] + [f"{v:8.3f}  {k}" for k, v in b["groups_s"].items()]
    lines += ["", "top by own time:", b["top_tottime"], "", "top by cumulative time:", b["top_cumulative"]]
    lines += ["", "## 4. what-if (unprofiled, mean ms per file)", ""]
    for cls, row in what_if(args.corpus, args.files).items():
        lines.append(f"  {cls:8s} " + "; ".join(f"{k} {v:.1f}" for k, v in row.items()))
    text = "\n".join(lines) + "\n"
    OUT.mkdir(exist_ok=True)
    path = OUT / f"profile-{dt.date.today().isoformat()}.txt"
    path.write_text(text)
    print(text)
    print(f"(written to {path.relative_to(HERE.parent)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
