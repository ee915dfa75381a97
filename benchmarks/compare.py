"""Two commits of authcheck side by side, interleaved, against exiftool: did a change make it faster,
and did it change any output?

    python3 benchmarks/compare.py OLD NEW [--rounds 20] [--batch-rounds 3] [--n 1000] [--seed 20240601]

Each commit is exported (`git archive`) and installed non-editable, bytecode compiled, into a
virtualenv of its own under benchmarks/out/compare/<commit>/ (kept: a second comparison with the
same commit reuses it), each with a cache folder of its own (benchmarks/out/xdg-cache-<commit>: the
patterns' table, parsed rules and rule index one version keeps are not the other's, as on a machine
with only one of them installed).  The commands of one section run once per round in a shuffled order, both
commits and exiftool in the same round, so the machine's other load falls on all of them alike:

- the first command (`AUTHCHECK_SERVER=off`, as a session's first command or one under CI runs) on
  the corpus's first 1-page PDF, 20-page PDF, DOCX and text letter (`bench.pick_samples`), against
  `exiftool FILE`;
- the cold scan of the corpus (`check letters --format jsonl --no-cache --jobs 2`), against
  `exiftool -r -json letters`, wall and CPU.

Then the outputs: the four files as JSON and the corpus as JSON lines (sorted: they come in
completion order) from each commit, compared byte for byte.  Medians; the ratio to exiftool is the
median of the per-round ratios.  Exit status 1 when the outputs differ.  The corpus is
bench.py's (benchmarks/out/corpus-N, built with make_corpus.py in benchmarks/.venv when missing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bench

ROOT = bench.ROOT
OUT = bench.OUT / "compare"


def commit_of(rev: str) -> str:
    """The full commit a revision names (SystemExit when it names none)."""
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, text=True
    )
    if found.returncode != 0:
        raise SystemExit(f"compare.py: {rev!r} is not a commit of this repository")
    return found.stdout.strip()


def installed(commit: str, python: str) -> Path:
    """The `authcheck` command of `commit`, installed non-editable in a virtualenv of its own."""
    home = OUT / commit[:12]
    ac = home / "venv" / "bin" / "authcheck"
    ready = home / ".ready"
    if ready.exists() and ac.exists():
        return ac
    shutil.rmtree(home, ignore_errors=True)
    (home / "src").mkdir(parents=True)
    bench.log(f"installing {commit[:12]} into {home}")
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(home / "src")], input=archive, check=True)
    subprocess.run([python, "-m", "venv", str(home / "venv")], check=True)
    venv_python = home / "venv" / "bin" / "python"
    bench.install(venv_python, home / "src")
    subprocess.run([str(venv_python), "-m", "compileall", "-q", str(home / "venv")], check=True)
    ready.write_text(commit + "\n")
    return ac


def cold(argv: list[str], commit: str) -> tuple[list[str], dict]:
    """`bench.cold(argv)` with the commit's own cache folder: what one version compiles and keeps
    there (the patterns' table, the parsed rules, the rule index) is not read by the other, as on
    a machine where only one of them is installed."""
    argv, env = bench.cold(argv)
    return argv, {**env, "XDG_CACHE_HOME": str(bench.OUT / f"xdg-cache-{commit[:12]}")}


def outputs(ac: Path, samples: dict[str, Path], corpus: Path, cwd: str, commit: str) -> dict[str, bytes]:
    """What a commit prints: each sample as JSON, the corpus as sorted JSON lines."""
    env = cold([], commit)[1]
    found = {}
    for kind, path in samples.items():
        run = subprocess.run(
            [str(ac), str(path), "--format", "json", "--no-cache"], capture_output=True, cwd=cwd, env=env
        )
        found[kind] = run.stdout
    scan = [str(ac), "check", "letters", "--format", "jsonl", "--no-cache", "--jobs", "2"]
    lines = subprocess.run(scan, capture_output=True, cwd=corpus, env=env).stdout.splitlines()
    found["corpus"] = b"\n".join(sorted(lines))
    return found


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the commit to compare against (a revision: a hash, HEAD~1, a tag)")
    parser.add_argument("new", help="the commit measured")
    parser.add_argument("--rounds", type=int, default=20, help="first-command rounds [20]")
    parser.add_argument("--batch-rounds", type=int, default=3, help="corpus scan rounds [3; 0: none]")
    parser.add_argument("--n", type=int, default=1000, help="corpus size [1000]")
    parser.add_argument("--seed", type=int, default=bench.SEED, help=f"corpus seed [{bench.SEED}]")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the virtualenvs")
    args = parser.parse_args(argv)
    commits = {"old": commit_of(args.old), "new": commit_of(args.new)}
    if commits["old"] == commits["new"]:
        raise SystemExit("compare.py: OLD and NEW are the same commit")
    os.environ["XDG_CACHE_HOME"] = str(bench.OUT / "xdg-cache")  # as bench.py: a parsed-rule cache of our own
    exiftool = shutil.which("exiftool")
    if not exiftool:
        print(bench.EXIFTOOL_MISSING, file=sys.stderr)
    bench.ensure_venv(args.python)  # make_corpus.py runs there
    corpus = bench.ensure_corpus(args.n, args.seed)
    picked = bench.pick_samples(corpus)
    samples = {kind: picked[kind] for kind in ("pdf", "pdf20", "docx", "txt") if kind in picked}
    acs = {side: installed(commit, args.python) for side, commit in commits.items()}
    for ac in acs.values():
        bench.smoke_test(str(ac), samples["pdf"])
    labels = {"pdf": "1-page PDF", "pdf20": "20-page PDF", "docx": "DOCX", "txt": "text letter"}
    with tempfile.TemporaryDirectory(prefix="authcheck-compare-") as cwd:
        singles: dict = {}
        for kind, path in samples.items():
            for side, ac in acs.items():
                singles[(side, kind)] = cold([str(ac), str(path), "--format", "json", "--no-cache"], commits[side])
            if exiftool:
                singles[("exiftool", kind)] = [exiftool, str(path)]
        bench.log(f"first command: {len(singles)} commands x {args.rounds} rounds")
        single = bench.interleave(singles, args.rounds, cwd, args.seed)
        batch = None
        if args.batch_rounds > 0:
            scans = {
                side: cold(
                    [str(ac), "check", "letters", "--format", "jsonl", "--no-cache", "--jobs", "2"], commits[side]
                )
                for side, ac in acs.items()
            }
            if exiftool:
                scans["exiftool"] = [exiftool, "-r", "-json", "letters"]
            bench.log(f"corpus scan: {len(scans)} commands x {args.batch_rounds} rounds")
            batch = bench.interleave(scans, args.batch_rounds, str(corpus), args.seed, warmup=False)
        bench.log("comparing outputs")
        printed = {side: outputs(ac, samples, corpus, cwd, commits[side]) for side, ac in acs.items()}

    old, new = commits["old"][:12], commits["new"][:12]
    print(
        f"\n{old} (old) against {new} (new), {args.rounds} interleaved rounds, corpus {corpus.name} seed {args.seed}\n"
    )
    print("| first command, no server | old ms | new ms | change | old / new × exiftool | exiftool ms |")
    print("|---|---:|---:|---:|---:|---:|")
    walls = single["walls"]
    for kind in samples:
        o, n = _ms(walls[("old", kind)]), _ms(walls[("new", kind)])
        ratios = exif = "–"
        if ("exiftool", kind) in walls:
            r = [bench.round_ratios(walls, (side, kind), ("exiftool", kind))["median"] for side in ("old", "new")]
            ratios, exif = f"{r[0]:.2f}× / {r[1]:.2f}×", f"{_ms(walls[('exiftool', kind)]):.1f}"
        print(f"| {labels.get(kind, kind)} | {o:.1f} | {n:.1f} | {100 * (n - o) / o:+.1f}% | {ratios} | {exif} |")
    if batch is not None:
        w, c = batch["walls"], batch["cpus"]
        exif = f"{statistics.median(w['exiftool']):.2f} s" if "exiftool" in w else "–"
        print(f"\n| {args.n} letters, `--jobs 2 --no-cache` | old | new | change | exiftool -r -json |")
        print("|---|---:|---:|---:|---:|")
        for name, data in (("wall s", w), ("CPU s", c)):
            o, n = statistics.median(data["old"]), statistics.median(data["new"])
            print(f"| {name} | {o:.2f} | {n:.2f} | {100 * (n - o) / o:+.1f}% | {exif if name == 'wall s' else '–'} |")
    differ = [what for what in printed["old"] if printed["old"][what] != printed["new"][what]]
    print(f"\noutputs: {'identical' if not differ else 'DIFFER: ' + ', '.join(differ)}", end=" ")
    print(f"({', '.join(labels.get(k, k) for k in samples)} as JSON; the corpus as sorted JSON lines)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
