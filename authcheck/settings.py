"""Effective settings for a run: limits, gate, verdict bands, rule packs.  Plain data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, field

from authcheck.util.records import frozen


@frozen
class Limits:
    """Resource limits applied to every input file."""

    max_bytes: int = 100 * 1024 * 1024  #: files larger than this are `too-large`
    max_pages: int = 200  #: PDF pages analysed; the rest is reported as truncated
    max_text_chars: int = 2_000_000  #: extracted text kept; the rest is reported as truncated
    timeout: float = 30.0  #: wall-clock seconds per file (worker isolation)
    memory_mb: int = 1024  #: address-space cap per worker (RLIMIT_AS)
    zip_max_entries: int = 2000  #: OOXML: entries in the central directory
    zip_max_total: int = 200 * 1024 * 1024  #: OOXML: declared uncompressed bytes
    zip_max_ratio: int = 200  #: OOXML: worst compression ratio per entry
    max_page_content_bytes: int = 2 * 1024 * 1024  #: PDF: decoded content per page; bigger pages are not read
    max_stream_bytes: int = 32 * 1024 * 1024  #: PDF: decoded bytes of any one stream (flate/LZW bombs stop)
    read_time_percent: int = 50  #: % of `timeout` the loader may spend reading; then it stops (truncated)
    max_image_pixels: int = 60_000_000  #: images (and each TIFF frame) with more pixels are `too-large`
    max_image_ratio: int = 3000  #: decoded image bytes per file byte above this: a decompression bomb
    max_image_frames: int = 50  #: TIFF pages read; the rest is reported as truncated
    ocr_page_seconds: float = 20.0  #: OCR time for one page (own budget, apart from `read_time_percent`)
    ocr_memory_mb: int = 2048  #: address-space cap while OCR runs (its models need more than text)
    ocr_time_percent: int = 85  #: % of `timeout` all OCR of one file may take; then it stops (truncated)


@frozen
class Bands:
    """Verdict bands over the 0-100 risk score: pass below `review`, fail at `fail` and up."""

    review: int = 25
    fail: int = 60

    def verdict(self, score: int) -> str:
        """The verdict a score falls into."""
        if score >= self.fail:
            return "fail"
        return "review" if score >= self.review else "pass"


@frozen
class Override:
    """A project's change to a rule's severity or weight."""

    severity: str | None = None
    weight: float | None = None


@frozen
class Settings:
    """Everything that can change a result or the exit status."""

    rule_dirs: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    overrides: Mapping[str, Override] = field(default_factory=dict)
    bands: Bands = field(default_factory=Bands)
    limits: Limits = field(default_factory=Limits)
    password: str | None = None
    fail_on: str = "fail"  #: review | fail | never
    fail_score: int | None = None
    min_severity: str = "info"  #: what is displayed; never what is gated
    kind: str | None = None  #: --kind: a document kind for every file, or "auto"
    kinds: tuple[tuple[str, str], ...] = ()  #: config `kinds`: (absolute glob, kind), first match wins
    registry: tuple[str, ...] = ()  #: issuer registry files (YAML)
    exemplars: str | None = None  #: folder of known-genuine letters
    knowledge_digest: str = ""  #: digest of the registry and exemplars (set by registry.prepare)
    explain: bool = False  #: also report candidates a guard dropped (notes "guard-dropped")
    ocr_engine: str = "rapidocr"  #: rapidocr (pip, the default) | tesseract (a system program) | none
    evidence_boxes: bool = True  #: locate page evidence (`Evidence.box`, PDFium); off when no output shows boxes

    def kind_for(self, path: str) -> tuple[str | None, str]:
        """(forced kind or None, where it was forced) for one file: --kind, else the first `kinds` glob."""
        if self.kind is not None:
            return (None, "") if self.kind == "auto" else (self.kind, "--kind " + self.kind)
        if not self.kinds or path == "-":
            return None, ""
        import os

        from authcheck.util.globs import glob_to_regex

        full = os.path.abspath(path).replace(os.sep, "/").lstrip("/")
        for pattern, kind in self.kinds:
            if glob_to_regex(pattern).fullmatch(full) or glob_to_regex(pattern).fullmatch(os.path.basename(path)):
                return (None, "") if kind == "auto" else (kind, f"config kinds: {pattern}")
        return None, ""

    def gate_trips(self, verdict: str | None, score: int | None) -> bool:
        """True when a checked file's verdict or score reaches the gate."""
        if self.fail_score is not None and score is not None and score >= self.fail_score:
            return True
        if verdict is None or self.fail_on == "never":
            return False
        order = {"pass": 0, "review": 1, "fail": 2}
        return order[verdict] >= order[self.fail_on]


def settings_to_json(settings: Settings) -> dict:
    """Settings as plain JSON data (the inverse of `settings_from_json`)."""
    data = asdict(settings)
    data["rule_dirs"], data["disabled_rules"] = list(settings.rule_dirs), list(settings.disabled_rules)
    return data


def settings_from_json(data: dict) -> Settings:
    """The Settings a `settings_to_json` record describes."""
    overrides = {rule: Override(**o) for rule, o in data["overrides"].items()}
    plain = {key: _tuples(value) for key, value in data.items()}  # JSON lists back to the tuples Settings holds
    return Settings(
        **{**plain, "overrides": overrides, "bands": Bands(**data["bands"]), "limits": Limits(**data["limits"])}
    )


def _tuples(value):
    """Lists (at any depth) as tuples."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
