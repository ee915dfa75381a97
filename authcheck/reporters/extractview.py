"""The `authcheck extract` view: what the rules see for one letter, as rich tables.

It renders `scoring.record.letter_record`, so the tables and `extract --format json` always
show the same facts.  Tables use ASCII boxes when the console is plain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from authcheck.model import Letter
from authcheck.reporters.console import table_box, trimmed
from authcheck.reporters.snippets import clean, loc_label
from authcheck.scoring.record import letter_record
from authcheck.util.safetext import for_terminal

PREVIEW_CHARS = 60  #: characters of each part shown in the Parts table
SENTENCES_SHOWN = 5  #: sentences listed after the count


def render_extract(letter: Letter, console: Console) -> None:
    """Print every table of the extract view for one letter."""
    rec = letter_record(letter)
    rec.setdefault(
        "forensics",
        {
            key: {"value": signal.value, "explanation": signal.explanation}
            for key, signal in sorted(letter.document.signals.items())
        },
    )
    with trimmed(console):
        print_tables(rec, console)


def print_tables(rec: dict[str, Any], console: Console) -> None:
    """Each table that has something to show."""
    first = True
    for table in (
        document_table(rec),
        kind_table(rec),
        metadata_table(rec),
        letterhead_table(rec),
        parties_table(rec),
        dates_table(rec),
        signature_table(rec),
        forensics_table(rec),
        parts_table(rec),
        sentences_table(rec),
        notes_table(rec),
    ):
        if table is not None:
            table.box = table_box(console)
            if not first:
                console.print()
            console.print(table)
            first = False


def new_table(title: str, *headers: str) -> Table:
    """An empty, left-titled table with folding columns."""
    table = Table(title=title, title_justify="left", title_style="bold", show_lines=False)
    for name in headers:
        table.add_column(name, overflow="fold")
    return table


def where(fact: dict[str, Any] | None) -> str:
    """A fact's location as ``p1 l3 letterhead``."""
    if not fact:
        return ""
    return loc_label(fact.get("page"), fact.get("line"), fact.get("part"), fact.get("key"))


def fact_rows(table: Table, label: str, facts: Iterable[dict[str, Any] | None]) -> None:
    """One row per located value, labelled on the first."""
    for i, fact in enumerate(f for f in facts if f):
        table.add_row(label if i == 0 else "", clean(fact["text"]), where(fact))


def document_table(rec: dict[str, Any]) -> Table:
    """Format, pages, text layer, size and hash."""
    doc = rec["document"]
    table = new_table("Document", "fact", "value")
    for key in ("path", "format", "extension", "pages", "has_text_layer", "size", "lines", "text_chars", "sha256"):
        table.add_row(key.replace("_", " "), for_terminal(doc[key]))
    return table


def kind_table(rec: dict[str, Any]) -> Table | None:
    """The document kind, whether the letter rules apply, and the evidence for the call."""
    kind = rec["document"].get("kind")
    if not kind:
        return None
    table = new_table("Kind", "item", "value", "where")
    pages = kind.get("letter_pages")
    table.add_row("kind", clean(kind["kind"]) + (" (forced)" if kind["forced"] else ""), "")
    table.add_row("letter rules", "applied" if kind["letter_like"] else "not applied", "")
    table.add_row("confidence", clean(kind["confidence"]), "")
    if pages:
        table.add_row("letter pages", f"{pages[0]}-{pages[1]}", "")
    for cue in kind["evidence"]:
        text = clean(cue["cue"]) + (f": {clean(cue['text'])}" if cue["text"] else "")
        table.add_row("evidence", text, loc_label(cue["page"], cue["line"], None, None))
    return table


def metadata_table(rec: dict[str, Any]) -> Table:
    """Normalised metadata with the raw key each value came from."""
    meta = rec["metadata"]
    table = new_table("Metadata", "field", "value", "raw key")
    for key, value in meta.items():
        if key in ("raw", "sources") or value in (None, "", False):
            continue
        table.add_row(for_terminal(key), clean(str(value)), clean(meta["sources"].get(key, "")))
    if not table.rows:
        table.add_row("(none)", "", "")
    return table


def letterhead_table(rec: dict[str, Any]) -> Table | None:
    """Organisation, address, office symbol, references and markings."""
    head = rec["letterhead"]
    table = new_table("Letterhead", "item", "text", "where")
    fact_rows(table, "organization", head["organization"])
    fact_rows(table, "address", head["address"])
    fact_rows(table, "office symbol", [head["office_symbol"]])
    fact_rows(table, "references", head["references"])
    fact_rows(table, "markings", head["markings"])
    if not table.rows:
        fact_rows(table, "lines", head["lines"])
    return table if table.rows else None


def parties_table(rec: dict[str, Any]) -> Table:
    """Issuer and recipient: who, which part said so, and any claims made for them."""
    table = new_table("Parties", "item", "text", "where")
    for role in ("issuer", "recipient"):
        party = rec[role]
        before = len(table.rows)
        for key in ("name", "title", "organization"):
            fact_rows(table, f"{role} {key}", [party[key]])
        if party["source"]:
            table.add_row(f"{role} source", clean(party["source"]), "")
        fact_rows(table, f"{role} claims", party["claims"])
        if len(table.rows) == before:
            table.add_row(role, "not found", "")
    return table


def dates_table(rec: dict[str, Any]) -> Table:
    """Every date in the letter; the letter's own date is marked with *."""
    table = new_table("Dates", "", "text", "ISO", "where")
    letter_date = rec["date"]
    for date in rec["dates"] or ([letter_date] if letter_date else []):
        mark = (
            "*" if letter_date and date["start"] == letter_date["start"] and date["text"] == letter_date["text"] else ""
        )
        table.add_row(mark, clean(date["text"]), clean(date["value"]), where(date))
    if not table.rows:
        table.add_row("", "not found", "", "")
    return table


def signature_table(rec: dict[str, Any]) -> Table:
    """The signature block, whether it is signed, and on what evidence."""
    block, sig = rec["signature_block"], rec["signature"]
    table = new_table("Signature", "item", "value", "where")
    fact_rows(table, "closing", [block["closing"]])
    fact_rows(table, "name", [block["name"]])
    fact_rows(table, "titles", block["titles"])
    signed = {True: "yes", False: f"no ({sig['strength']} evidence)", None: "undetermined"}[sig["signed"]]
    table.add_row("signed", signed, clean(", ".join(sig["kinds"])))
    if sig["reason"]:
        table.add_row("reason", clean(sig["reason"]), "")
    fact_rows(table, "evidence", sig["evidence"])
    for field in rec["signature_fields"]:
        state = "filled" if field["filled"] else "empty"
        signer = f" by {clean(field['signer'])}" if field["signer"] else ""
        table.add_row(
            "field",
            f"{clean(field['name'])} ({clean(field['kind'])}, {state}{signer})",
            clean(field["signed_at"] or ""),
        )
    return table


def forensics_table(rec: dict[str, Any]) -> Table | None:
    """Forensic facts about the file (facts.<key> in rules): value and what it means."""
    facts = rec.get("forensics") or {}
    if not facts:
        return None
    table = new_table("Forensics", "key", "value", "explanation")
    for key, fact in facts.items():
        value = fact["value"]
        shown = "; ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        table.add_row(for_terminal(key), clean(shown) or "-", clean(fact.get("explanation", "")))
    return table


def parts_table(rec: dict[str, Any]) -> Table:
    """Each part's line range and opening words."""
    table = new_table("Parts", "part", "lines", "text")
    for part in rec["parts"]:
        first, last = part["first_line"], part["last_line"]
        lines = f"{first}-{last}" if first != last else str(first)
        preview = clean(part["text"])
        table.add_row(
            for_terminal(part["part"]), lines, preview[:PREVIEW_CHARS] + ("…" if len(preview) > PREVIEW_CHARS else "")
        )
    return table


def sentences_table(rec: dict[str, Any]) -> Table:
    """How many sentences, and the first few."""
    sentences = rec["sentences"]
    table = new_table(f"Sentences ({len(sentences)})", "where", "text")
    for s in sentences[:SENTENCES_SHOWN]:
        table.add_row(where(s), clean(s["text"]))
    if len(sentences) > SENTENCES_SHOWN:
        table.add_row("", f"... and {len(sentences) - SENTENCES_SHOWN} more")
    return table


def notes_table(rec: dict[str, Any]) -> Table | None:
    """Loader and extractor notes, if any."""
    if not rec["notes"]:
        return None
    table = new_table("Notes", "code", "detail")
    for note in rec["notes"]:
        table.add_row(clean(note["code"]), clean(note["detail"]))
    return table
