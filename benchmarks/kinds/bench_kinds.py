"""Document-kind benchmark: do the letter rules stay off non-letters, and on for letters?

Runs authcheck (in isolated workers, as the CLI does) over
* the third-party non-letter corpus fetched by fetch_corpus.py (benchmarks/out/kinds/corpus), and
* the project's own letters: every sample, the letters tools/ generates for tests (every signature
  kind, PDF, DOCX and text), and the example texts of the built-in rules;
and prints, per group and per kind: how many files were classified letter-like, how many got a
letter-rule finding (a rule with `applies_to: letter-like`), and how many got review/fail because
of one (the verdict without the letter-rule findings would have been lower).  `--as-before` forces
every file to kind letter, which is how authcheck judged everything before document kinds.

Usage: python benchmarks/kinds/bench_kinds.py [--corpus DIR] [--as-before] [--details]
Goals (issue 10): <= 2% of non-letters with a letter-rule finding or a verdict caused by one;
>= 98% of letters letter-like; no change in the samples' verdicts.
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import sys
import tempfile
from dataclasses import replace

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, ROOT)

import authcheck  # noqa: E402
from authcheck.engine.rulepack import load_ruleset  # noqa: E402
from authcheck.scoring.score import rescore  # noqa: E402
from authcheck.settings import Settings  # noqa: E402

DEFAULT_CORPUS = os.path.join(ROOT, "benchmarks", "out", "kinds", "corpus")
LETTER_EXT = (".pdf", ".docx", ".txt")


def corpus_files(corpus: str) -> list[tuple[str, str]]:
    """(path, group) of every fetched third-party file, from the manifest."""
    manifest = os.path.join(corpus, "manifest.tsv")
    if not os.path.exists(manifest):
        sys.exit(f"{manifest} is missing: run benchmarks/kinds/fetch_corpus.py first")
    with open(manifest, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [(os.path.join(corpus, r["file"]), r["group"]) for r in rows]


def project_letters(folder: str) -> list[tuple[str, str]]:
    """(path, group) of the project's letters: samples, tools-generated test letters, rule examples."""
    out = [
        (os.path.join(ROOT, "samples", n), "samples")
        for n in sorted(os.listdir(os.path.join(ROOT, "samples")))
        if n.endswith(LETTER_EXT)
    ]
    from tools import docx_forensic_fixtures as dfx
    from tools import pdf_forensic_fixtures as pfx
    from tools.docgen import SIGNATURES, letter_docx, letter_pdf, letter_text

    specs = [(f"genuine-{s}", pfx.genuine_spec(s)) for s in SIGNATURES] + [("docx-fixture", dfx.spec())]
    for name, spec in specs:
        for ext, render in (("pdf", letter_pdf), ("docx", letter_docx), ("txt", letter_text)):
            data = render(spec)
            path = os.path.join(folder, f"{name}.{ext}")
            with open(path, "wb") as fh:
                fh.write(data.encode() if isinstance(data, str) else data)
            out.append((path, "tools-letters"))
    for rule in load_ruleset().rules:
        for i, case in enumerate(rule.tests):
            if case.get("expect") == "match" and case.get("text", "").strip():
                path = os.path.join(folder, f"rule-{rule.id}-{i}.txt")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(case["text"])
                out.append((path, "rule-examples"))
    return out


def judge(result, letter_rules: set[str], settings: Settings) -> dict:
    """What one result says: kind, letter-like, letter-rule findings, verdict caused by them."""
    if result.error is not None:
        return {
            "kind": "error:" + result.error.type,
            "letter_like": None,
            "letter_findings": [],
            "caused": False,
            "verdict": None,
        }
    kind = result.fields["document"]["kind"]
    hits = [f.rule for f in result.findings if f.rule in letter_rules and f.suppressed is None]
    without = rescore(
        replace(result, findings=tuple(f for f in result.findings if f.rule not in letter_rules)), settings
    )
    order = {"pass": 0, "review": 1, "fail": 2}
    caused = order[result.verdict] > order[without.verdict]
    return {
        "kind": kind["kind"],
        "letter_like": kind["letter_like"],
        "letter_findings": hits,
        "caused": caused,
        "verdict": result.verdict,
    }


def run(files: list[tuple[str, str]], settings: Settings) -> list[tuple[str, str, dict]]:
    """(path, group, judgement) for every file, checked in isolated workers."""
    letter_rules = {r.id for r in load_ruleset().rules if r.applies_to == "letter-like"}
    results = authcheck.scan([p for p, _ in files], settings=settings, jobs=2)
    by_path = {r.path: r for r in results}
    return [(p, g, judge(by_path[p], letter_rules, settings)) for p, g in files if p in by_path]


def report(rows: list[tuple[str, str, dict]], details: bool) -> None:
    """Per group and per kind: files, letter-like, with a letter-rule finding, review/fail caused by one."""
    print(f"{'group':22} {'kind':11} {'files':>5} {'letter-like':>11} {'letter-finding':>14} {'verdict-by-it':>13}")
    table = collections.defaultdict(list)
    for _, group, j in rows:
        table[(group, j["kind"])].append(j)
    for (group, kind), items in sorted(table.items()):
        print(
            f"{group:22} {kind:11} {len(items):5} {sum(bool(j['letter_like']) for j in items):11} "
            f"{sum(bool(j['letter_findings']) for j in items):14} {sum(j['caused'] for j in items):13}"
        )
    letters = [j for _, g, j in rows if g in ("samples", "tools-letters", "rule-examples")]
    others = [j for _, g, j in rows if g not in ("samples", "tools-letters", "rule-examples")]
    checked = [j for j in others if j["letter_like"] is not None]
    bad = [j for j in checked if j["letter_findings"] or j["caused"]]
    print(
        f"\nnon-letters: {len(others)} files ({len(others) - len(checked)} could not be checked); "
        f"{sum(bool(j['letter_like']) for j in checked)} letter-like; "
        f"{len(bad)} ({100 * len(bad) / max(len(checked), 1):.1f}%) with a letter-rule finding "
        f"({sum(j['caused'] for j in checked)} review/fail because of one)"
    )
    print(
        f"letters: {len(letters)} files; {sum(bool(j['letter_like']) for j in letters)} "
        f"({100 * sum(bool(j['letter_like']) for j in letters) / max(len(letters), 1):.1f}%) letter-like"
    )
    if details:
        for path, group, j in rows:
            if (group in ("samples", "tools-letters", "rule-examples")) != bool(j["letter_like"]) or j[
                "letter_findings"
            ]:
                print(
                    f"  {group:20} {j['kind']:10} {j['verdict'] or '-':6} {os.path.basename(path)} "
                    f"{','.join(j['letter_findings'])}"
                )


def main(argv=None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--as-before", action="store_true", help="force kind letter on every file (the old behaviour)")
    parser.add_argument("--details", action="store_true", help="list misclassified files and letter-rule findings")
    args = parser.parse_args(argv)
    settings = Settings(kind="letter" if args.as_before else None)
    with tempfile.TemporaryDirectory() as folder:
        files = corpus_files(args.corpus) + project_letters(folder)
        report(run(files, settings), args.details)
    return 0


if __name__ == "__main__":
    sys.exit(main())
