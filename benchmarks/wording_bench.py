"""Measure the wording analysis (`wording.policy-change`) on labelled sentences.

Each sentence is checked through the library API exactly as a user would check it
(`authcheck.check(bytes, name=...)`): alone as a text document, and with `--letters` inside a
whole letter (in the body, and in text also in a P.S. or a footnote after the signature; DOCX
and PDF with `--formats`).  A sentence counts as flagged when the rule's finding is in the result.  The script
prints precision, recall and F1 overall and per category, the false-alarm rate of every
category, for each split of `benchmarks/wording/sentences.tsv` and for the shared dev file
(`../shared/data/policy-sentences-dev.tsv`, skipped with a message when absent), and the CPU
time the wording rules add to one 1-page letter in a warm process.

    python benchmarks/wording_bench.py                    # sentences alone, every split, timing
    python benchmarks/wording_bench.py --letters --split test --formats txt,docx,pdf
    python benchmarks/wording_bench.py --json > out.json  # machine-readable

Run from the repository root with the project's virtualenv (`.venv/bin/python ...`).  Sentences
alone with timing take about 10 s, `--letters` adds about 15 s per split in text; DOCX and PDF
letters for every split take about 3 minutes on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "wording" / "sentences.tsv"
DEV = REPO / ".." / "shared" / "data" / "policy-sentences-dev.tsv"
RULE = "wording.policy-change"
LABELS = ("implies_change", "no_change")
SPLITS = ("train", "test")
CATEGORIES = (
    "announcement",
    "paraphrase",
    "double_negation",
    "negation_scope",
    "plain_negation",
    "passive_nominal",
    "reported_speech",
    "past_event",
    "routine_decoy",
    "hypothetical",
    "intent",
    "notice_of_change",
    "obfuscated",
    "routine_letter",
)
NEGATIVE_CATEGORIES = (
    "plain_negation",
    "reported_speech",
    "past_event",
    "routine_decoy",
    "hypothetical",
    "routine_letter",
)
COLUMNS = ("id", "label", "category", "split", "sentence", "note")
PLACEMENTS = ("body", "ps", "footnote")
FORMATS = ("txt", "docx", "pdf")
RENDERERS: dict[str, Callable[[str, str], bytes | None]] = {}


@dataclass(frozen=True)
class Item:
    """One labelled sentence."""

    id: str
    label: str
    category: str
    split: str
    sentence: str
    note: str = ""

    @property
    def positive(self) -> bool:
        """True when the sentence implies a change."""
        return self.label == "implies_change"


def read_tsv(path: Path) -> list[dict]:
    """The rows of a tab-separated file with a header line (no quoting)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_sentences(path: Path = DATA) -> list[Item]:
    """The project's labelled sentences."""
    return [Item(**{c: row[c] for c in COLUMNS}) for row in read_tsv(path)]


def load_dev(path: Path = DEV) -> list[Item]:
    """The shared dev file (label, sentence, source_url) as items of category "dev"."""
    return [
        Item(f"dev-{i:03d}", row["label"], "dev", "dev", row["sentence"], row.get("source_url") or "")
        for i, row in enumerate(read_tsv(path), 1)
    ]


# --- metrics ------------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def metrics(pairs: Iterable[tuple[bool, bool]]) -> dict:
    """Counts, precision, recall, F1 and false-alarm rate of (gold, predicted) pairs.

    A ratio whose denominator is zero is None (no positives, or nothing flagged), not 0.
    """
    tp = fp = fn = tn = 0
    for gold, predicted in pairs:
        if gold:
            tp, fn = tp + predicted, fn + (not predicted)
        else:
            fp, tn = fp + predicted, tn + (not predicted)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": tp + fp + fn + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_alarm_rate": _ratio(fp, fp + tn),
    }


def summarise(results: list[tuple[Item, bool]]) -> dict:
    """Overall and per-category metrics of (item, fired) results."""
    cats: dict[str, list] = {}
    for item, fired in results:
        cats.setdefault(item.category, []).append((item.positive, fired))
    return {
        "overall": metrics((i.positive, f) for i, f in results),
        "categories": {c: metrics(p) for c, p in cats.items()},
    }


# --- checking ------------------------------------------------------------------------------------


def fired(data: bytes, name: str, settings=None) -> tuple[bool, str | None]:
    """Whether the rule fired on a document, and the error when it could not be checked."""
    import authcheck

    result = authcheck.check(data, name=name, settings=settings)
    if result.error is not None:
        return False, f"{result.error.type}: {result.error.message}"
    return any(f.rule == RULE for f in result.findings), None


def run_items(items: list[Item], render: Callable[[str], bytes | None], name: str) -> dict:
    """Check every item rendered by `render`; items it cannot render are counted, not checked."""
    results, errors, skipped = [], [], 0
    for item in items:
        data = render(item.sentence)
        if data is None:
            skipped += 1
            continue
        hit, error = fired(data, name)
        if error:
            errors.append(f"{item.id}: {error}")
        results.append((item, hit))
    report = summarise(results)
    report.update(
        errors=errors,
        skipped=skipped,
        missed=[i.id for i, f in results if i.positive and not f],
        false_alarms=[i.id for i, f in results if not i.positive and f],
    )
    return report


# --- letters -----------------------------------------------------------------------------------

LETTERHEAD = ["MINISTRY OF DEFENCE", "DIRECTORATE FOR INTERNATIONAL COOPERATION", "12 Harbour Road, 0150 Nordhavn"]
BEFORE = (
    "Thank you for your letter of 2 May and for the constructive meeting of our staffs last week. "
    "I write to keep you informed of matters arising from our cooperation."
)
AFTER = "Our liaison officer is at your disposal for any practical questions."
ROUTINE = [
    "The minutes of the meeting are enclosed, together with the list of participants.",
    "I would be grateful for an acknowledgement of this letter at your convenience.",
]


def _docgen():
    """The repository's letter generator (tools/docgen.py), importable from any working directory."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import tools.docgen

    return tools.docgen


def letter_spec(sentence: str | None, placement: str = "body"):
    """A one-page letter with `sentence` in the middle of the body (placement "body") or nowhere
    (the text renderer adds the P.S. and footnote placements after the signature block)."""
    middle = f"{BEFORE} {sentence} {AFTER}" if sentence and placement == "body" else f"{BEFORE} {AFTER}"
    return _docgen().LetterSpec(
        letterhead=LETTERHEAD,
        date="14 May 2024",
        blocks=[
            "To: Director General for Defence Policy, Ministry of Defence of the Republic of Ruritania",
            "SUBJECT: Bilateral defence cooperation",
            "Dear Director General,",
            middle,
            *ROUTINE,
        ],
        closing="Yours sincerely,",
        signature_name="ANNA LINDQVIST",
        signature_titles=["Director for International Cooperation"],
    )


def render_letter(sentence: str | None, placement: str, fmt: str) -> bytes | None:
    """The letter as bytes in `fmt`, or None when the format cannot carry the sentence."""
    docgen, spec = _docgen(), letter_spec(sentence, placement)
    if fmt == "txt":
        text = docgen.letter_text(spec)
        if sentence and placement == "ps":
            text += f"\nP.S. {sentence}\n"
        elif sentence and placement == "footnote":
            text += f"\n__________\n\u00b9 {sentence}\n"
        return text.encode("utf-8")
    if placement != "body":
        return None  # the generators have no text after the signature block
    if fmt == "pdf":
        if sentence and not _cp1252(sentence):
            return None  # standard-14 fonts: the characters would become "?"
        return docgen.letter_pdf(spec)
    return docgen.letter_docx(spec)


def _cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


# --- timing ------------------------------------------------------------------------------------

TIMING_BODY = [
    "In deference to the sovereignty of the Republic, and as agreed at the ministerial meeting, our forces will "
    "be repositioned over the coming weeks, and the training mission at the northern airbase will end on 30 June.",
    "During this time there will be more helicopter traffic around the airbase. The schedule of flights, the "
    "points of contact and the arrangements for access to the site are set out in the annex.",
    "No decision has been made on the future of the liaison office in the capital, which continues its work. "
    "If your Government asked us to do so, we would be ready to discuss further arrangements.",
    "The ambassador enquired last week whether the naval exercise might be postponed; it will take place as "
    "planned. In 2011 our forces withdrew from the southern province, and the lessons of that move are reflected "
    "in the attached plan.",
    "Please withdraw the remaining funds from the project account before the account is closed, and confirm "
    "receipt of the final report. A fire drill evacuation of the headquarters is planned for Tuesday.",
]


def timing_rules(ruleset) -> tuple[str, ...]:
    """The rules whose cost is measured: every `wording.*` rule and `text.obfuscated` when present."""
    return tuple(r.id for r in ruleset.rules if r.id.startswith("wording.") or r.id == "text.obfuscated")


def _median_cpu(on: Callable[[], object], off: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median CPU ms of two functions, run alternately so that load on the machine hits both alike."""
    times: tuple[list, list] = ([], [])
    for _ in range(runs):
        for fn, bucket in ((on, times[0]), (off, times[1])):
            start = time.process_time_ns()
            fn()
            bucket.append(time.process_time_ns() - start)
    return statistics.median(times[0]) / 1e6, statistics.median(times[1]) / 1e6


def time_letter(data: bytes, name: str, runs: int) -> dict:
    """Median CPU ms of the engine and of a whole check, with and without the wording rules (warm)."""
    from dataclasses import replace

    from authcheck.batch.pipeline import check_bytes
    from authcheck.engine.evaluate import evaluate
    from authcheck.engine.rulepack import load_ruleset
    from authcheck.extract import extract
    from authcheck.loaders import load
    from authcheck.settings import Settings

    ruleset, on = load_ruleset(), Settings()
    measured = timing_rules(ruleset)
    off = replace(on, disabled_rules=measured)
    letter = extract(load(data, path=name, sha256="0" * 64, password=None, limits=on.limits))
    out = {"rules": list(measured), "runs": runs}
    for key, fn in (
        ("engine", lambda s: evaluate(ruleset, letter, s)),
        ("check", lambda s: check_bytes(data, name, s, ruleset)),
    ):
        for settings in (on, off) * 3:  # warm-up: imports, caches, compiled patterns
            fn(settings)
        with_ms, without_ms = _median_cpu(lambda fn=fn: fn(on), lambda fn=fn: fn(off), runs)
        out[key] = {"with_ms": with_ms, "without_ms": without_ms, "added_ms": with_ms - without_ms}
    return out


def timing(runs: int) -> dict:
    """Added CPU time per 1-page letter, as text and as PDF."""
    docgen, spec = _docgen(), letter_spec(None)
    spec.blocks[3:4] = TIMING_BODY
    return {
        "txt": time_letter(docgen.letter_text(spec).encode(), "letter.txt", runs),
        "pdf": time_letter(docgen.letter_pdf(spec), "letter.pdf", runs),
    }


# --- output ------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(title: str, report: dict) -> str:
    """One section as a fixed-width table: a row per category, then the overall row."""
    head = f"{'category':<18} {'n':>4} {'pos':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>5} {'R':>5} {'F1':>5} {'FA':>5}"
    lines = [f"== {title}", head, "-" * len(head)]
    cats = report["categories"]
    order = [c for c in CATEGORIES if c in cats] + sorted(set(cats) - set(CATEGORIES))
    for name, m in [(c, cats[c]) for c in order] + [("overall", report["overall"])]:
        pos = m["tp"] + m["fn"]
        prf = [m[k] if pos else None for k in ("precision", "recall", "f1")]  # no positives: only FA means anything
        lines.append(
            f"{name:<18} {m['n']:>4} {pos:>4} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4} "
            + " ".join(f"{_fmt(v):>5}" for v in prf)
            + f" {_fmt(m['false_alarm_rate']):>5}"
        )
    if report.get("skipped"):
        lines.append(f"({report['skipped']} sentences not renderable in this format, not counted)")
    for error in report.get("errors", [])[:5]:
        lines.append(f"could not check {error}")
    return "\n".join(lines)


def timing_table(result: dict) -> str:
    """The timing section as text."""
    lines = [
        "== added CPU time per 1-page letter (warm, median of "
        f"{next(iter(result.values()))['runs']} runs; rules: {', '.join(next(iter(result.values()))['rules'])})"
    ]
    for fmt, r in result.items():
        for key in ("engine", "check"):
            m = r[key]
            lines.append(
                f"{fmt:<4} {key:<7} with {m['with_ms']:7.2f} ms   without {m['without_ms']:7.2f} ms   "
                f"added {m['added_ms']:6.2f} ms"
            )
    return "\n".join(lines)


def listing(report: dict, items: dict[str, Item]) -> str:
    """The missed sentences and false alarms of a section, one per line."""
    lines = [f"  missed  {i}: {items[i].sentence}" for i in report["missed"]]
    lines += [f"  false   {i}: {items[i].sentence}" for i in report["false_alarms"]]
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--split",
        choices=("train", "test", "all"),
        default="all",
        help="which split of the project's sentences to measure (default: all, each reported)",
    )
    parser.add_argument("--letters", action="store_true", help="also check each sentence inside a whole letter")
    parser.add_argument("--formats", default="txt", help="letter formats for --letters: txt,docx,pdf (default txt)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--runs", type=int, default=100, help="timing runs per configuration (0: no timing)")
    parser.add_argument("--data", type=Path, default=DATA, help="the labelled sentences (TSV)")
    parser.add_argument("--dev", type=Path, default=DEV, help="the shared dev file (TSV), skipped when absent")
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed sentences and false alarms")
    args = parser.parse_args(argv)
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not args.formats or set(args.formats) - set(FORMATS):
        parser.error(f"--formats takes a comma-separated list of {', '.join(FORMATS)}")
    return args


def sections(args: argparse.Namespace, items: list[Item]) -> list[tuple[str, list[Item], Callable, str]]:
    """(title, items, render, file name) for every measurement the options ask for."""
    splits = SPLITS if args.split == "all" else (args.split,)
    chosen = [(s, [i for i in items if i.split == s]) for s in splits]
    alone = lambda s: (s + "\n").encode("utf-8")  # noqa: E731
    out = [(f"sentences alone, {s} split", part, alone, "s.txt") for s, part in chosen]
    if args.split == "all":
        out.append(("sentences alone, all", items, alone, "s.txt"))
    if args.dev.is_file():
        out.append(("sentences alone, dev file", load_dev(args.dev), alone, "s.txt"))
    for fmt in args.formats if args.letters else ():
        for placement in PLACEMENTS if fmt == "txt" else ("body",):
            render = lambda s, p=placement, f=fmt: render_letter(s, p, f)  # noqa: E731
            out += [
                (f"in a letter ({fmt}, {placement}), {s} split", part, render, f"letter.{fmt}") for s, part in chosen
            ]
    return out


def control(formats: list[str]) -> list[str]:
    """The letter template's formats on which the rule fires with no sentence at all (should be none)."""
    return [fmt for fmt in formats if fired(render_letter(None, "body", fmt), f"letter.{fmt}")[0]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.data.is_file():
        print(f"wording_bench: no such file: {args.data}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    items = load_sentences(args.data)
    report: dict = {"rule": RULE, "data": str(args.data), "sections": {}}
    if not args.dev.is_file():
        report["dev_skipped"] = f"dev file not found: {args.dev}"
        print(report["dev_skipped"], file=sys.stderr)
    if args.letters:
        report["control_fired"] = control(args.formats)
    for title, part, render, name in sections(args, items):
        report["sections"][title] = run_items(part, render, name)
    if args.runs > 0:
        report["timing"] = timing(args.runs)
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    by_id = {i.id: i for i in items}
    if args.dev.is_file():
        by_id.update({i.id: i for i in load_dev(args.dev)})
    for title, section in report["sections"].items():
        print(table(title, section) + "\n")
        if args.verbose and (section["missed"] or section["false_alarms"]):
            print(listing(section, by_id) + "\n")
    if report.get("control_fired"):
        print(
            f"WARNING: the rule fires on the letter template alone ({', '.join(report['control_fired'])}): "
            "letter figures are meaningless\n"
        )
    if "timing" in report:
        print(timing_table(report["timing"]) + "\n")
    print(f"P precision, R recall, F1, FA false-alarm rate (flagged negatives / negatives); {report['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
