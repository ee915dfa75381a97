"""Letter structure on letters that do not follow the textbook, and documents that are not letters.

The signature block is the closing block of a letter part (never a bibliography, member list
or table); a drawn signature in the closing area signs the letter; the issuer is a person,
office or organisation or nothing; text after the body (P.S., footnotes, annexes) is read
under its own part name.
"""

from __future__ import annotations

import pytest

import authcheck
from authcheck.engine.ruletest import letter_from_text
from authcheck.extract.parties import is_party
from tools.closings import LEFT, SIG_X, Closing, closing_docx, closing_pdf, signature_cases
from tools.docgen import LetterSpec, filler_paragraphs, letter_pdf, letter_text

BODY = [
    "Thank you for your letter of 2 February about the maintenance contract for the regional depot.",
    "The inspection team will arrive on 14 March and will need access to the loading bays for two days.",
]


def letter(rows, **kw) -> Closing:
    """A one-page letter with the given closing rows."""
    return Closing(
        ["MINISTRY OF FOREIGN AFFAIRS", "Directorate of Consular Services"],
        "3 March 2021",
        ["Ms Helen Park", "Operations Manager"],
        "Dear Ms Park,",
        kw.pop("body", BODY),
        rows,
        **kw,
    )


def check(tmp_path, data: bytes, name: str):
    """The result of checking one generated file."""
    path = tmp_path / name
    path.write_bytes(data)
    result = authcheck.check(path)
    assert result.error is None, result.error
    return result


def rules(result) -> set[str]:
    return {f.rule for f in result.findings}


LAYOUTS = {label.split("-", 1)[1]: spec for label, spec in signature_cases(12)}


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_signature_image_in_any_closing_layout_signs_the_letter(tmp_path, layout, fmt):
    spec = LAYOUTS[layout]
    data = closing_pdf(spec) if fmt == "pdf" else closing_docx(spec)
    result = check(tmp_path, data, f"{layout}.{fmt}")
    assert result.fields["signature"]["signed"] is True, result.fields["signature"]["reason"]
    assert result.fields["signature"]["kinds"] == ["image"]
    assert "signature.unsigned" not in rules(result)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_title_above_the_name_is_the_title_and_the_name_is_the_issuer(tmp_path, fmt):
    spec = letter(
        [
            ("text", "Sincerely,", SIG_X),
            ("image", "", SIG_X),
            ("text", "Director of Consular Services", SIG_X),
            ("text", "Maria Gonzalez", SIG_X),
        ]
    )
    fields = check(tmp_path, closing_pdf(spec) if fmt == "pdf" else closing_docx(spec), f"t.{fmt}").fields
    assert fields["issuer"]["name"] == "Maria Gonzalez"
    assert fields["issuer"]["title"] == "Director of Consular Services"
    assert fields["issuer"]["source"] == "signature_block"


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_two_signatories_side_by_side(tmp_path, fmt):
    spec = letter(
        [
            ("pair", "Kind regards,|Kind regards,", 0),
            ("images", "", 0),
            ("pair", "Ursula von der Heide|Thomas Berger", 0),
            ("pair", "Chief Executive|Director of Finance", 0),
        ]
    )
    fields = check(tmp_path, closing_pdf(spec) if fmt == "pdf" else closing_docx(spec), f"two.{fmt}").fields
    assert fields["signature"]["signed"] is True
    assert fields["signature_block"]["closing"] == "Kind regards,"
    assert fields["issuer"]["name"] == "Ursula von der Heide"


def test_no_closing_name_then_classification_line_typed_only(tmp_path):
    spec = letter(
        [
            ("text", "JOHN A. SMITH", SIG_X),
            ("text", "Colonel, U.S. Army", SIG_X),
            ("gap", "1", 0),
            ("text", "UNCLASSIFIED", LEFT),
            ("footer", "Page 1 of 1", 0),
        ]
    )
    result = check(tmp_path, closing_pdf(spec), "typed.pdf")
    assert result.fields["signature_block"]["name"] == "JOHN A. SMITH"
    assert result.fields["signature_block"]["titles"] == ["Colonel, U.S. Army"]
    assert result.fields["signature"]["signed"] is False
    assert result.letter.parts["banner"], "the classification line is a banner, not a title"


def test_letterhead_logo_is_not_a_signature(tmp_path):
    spec = letter(
        [
            ("text", "Sincerely,", SIG_X),
            ("gap", "3", 0),
            ("text", "Maria Gonzalez", SIG_X),
            ("text", "Director of Consular Services", SIG_X),
        ],
        logo=True,
    )
    result = check(tmp_path, closing_pdf(spec), "logo.pdf")
    assert result.fields["signature"]["signed"] is False
    assert "signature.unsigned" in rules(result)


REFERENCES = [
    "Lamport, Leslie",
    "Time, Clocks, and the Ordering of Events",
    "Communications of the ACM",
    "Donald Knuth",
    "Stanford University",
    "Charles Hoare",
    "Oxford University Computing Laboratory",
]


@pytest.mark.parametrize("render,name", [(letter_pdf, "report.pdf"), (letter_text, "report.txt")])
def test_bibliography_of_a_long_report_is_not_a_signature_block(tmp_path, render, name):
    refs = REFERENCES if render is letter_pdf else ["\n".join(REFERENCES)]  # text: one entry a line, no blank lines
    blocks = ["1 Introduction", *filler_paragraphs(3), "References", *refs]
    spec = LetterSpec(letterhead=["Technical Specification TS-12"], date="Version 1.2, 3 March 2021", blocks=blocks)
    data = render(spec)
    result = check(tmp_path, data if isinstance(data, bytes) else data.encode(), name)
    assert result.fields["signature_block"] == {"closing": None, "name": None, "titles": []}
    assert result.fields["signature"]["signed"] is None
    assert not rules(result) & {"signature.unsigned", "signature.attributed-unsigned"}


def test_member_list_is_not_a_signature_block(tmp_path):
    text = (
        "NORDIC SHIPPING ASSOCIATION\n\nMinutes of the annual meeting, 3 March 2021\n\n"
        "The board approved the accounts for 2020 and the budget for 2021 without amendment.\n\n"
        "Dr. Anna Berg, Chair\nPeter Holm, Treasurer\nKarin Lund, Secretary\nOlaf Strand, Member\n"
    )
    result = check(tmp_path, text.encode(), "members.txt")
    assert result.fields["signature_block"]["name"] is None
    assert not rules(result) & {"signature.unsigned", "signature.attributed-unsigned"}


def test_table_of_names_is_not_a_signature_block(tmp_path):
    spec = letter(
        [
            ("pair", "Name|Role|Telephone", 0),
            ("pair", "Maria Gonzalez|Director|555 0100", 0),
            ("pair", "Peter Holm|Treasurer|555 0101", 0),
            ("pair", "Karin Lund|Secretary|555 0102", 0),
        ],
        body=["The contact list for the inspection visit is set out below for your convenience."],
    )
    result = check(tmp_path, closing_pdf(spec), "table.pdf")
    assert result.fields["signature_block"]["name"] is None
    assert "signature.unsigned" not in rules(result)


PS = "P.S. We will withdraw all our forces from the northern base by 1 May."


@pytest.mark.parametrize("fmt", ["txt", "pdf"])
def test_withdrawal_in_a_postscript_is_read(tmp_path, fmt):
    spec = letter(
        [
            ("text", "Yours sincerely,", SIG_X),
            ("image", "", SIG_X),
            ("text", "Anna Berg", SIG_X),
            ("text", "Minister of Defence", SIG_X),
            ("gap", "1", 0),
            ("text", PS, LEFT),
            ("gap", "1", 0),
            ("text", "cc: Chief of Defence Staff", LEFT),
        ]
    )
    if fmt == "pdf":
        result = check(tmp_path, closing_pdf(spec), "ps.pdf")
    else:
        text = (
            "\n\n".join(
                [
                    "MINISTRY OF DEFENCE",
                    "3 March 2021",
                    "Dear Minister,",
                    *BODY,
                    "Yours sincerely,",
                    "Anna Berg\nMinister of Defence",
                    PS,
                    "cc: Chief of Defence Staff",
                ]
            )
            + "\n"
        )
        result = check(tmp_path, text.encode(), "ps.txt")
    finding = next(f for f in result.findings if f.rule == "wording.policy-change")
    assert {e.loc.part for e in finding.evidence} == {"postscript"}
    assert result.fields["signature_block"]["name"] == "Anna Berg"
    assert result.letter.parts["trailer"]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_footnote_is_its_own_part_and_is_read(tmp_path, fmt):
    note = "1 The government has decided to withdraw its forces from the region by June."
    spec = letter(
        [
            ("text", "Sincerely,", SIG_X),
            ("image", "", SIG_X),
            ("text", "Maria Gonzalez", SIG_X),
            ("text", "Director of Consular Services", SIG_X),
            ("footnote", note, 0),
        ]
    )
    result = check(tmp_path, closing_pdf(spec) if fmt == "pdf" else closing_docx(spec), f"note.{fmt}")
    footnotes = [s for s in result.letter.sentences if s.loc.part == "footnote"]
    assert footnotes and "withdraw its forces" in footnotes[0].text
    finding = next(f for f in result.findings if f.rule == "wording.policy-change")
    assert {e.loc.part for e in finding.evidence} == {"footnote"}
    assert result.fields["signature"]["signed"] is True


def test_annex_body_is_its_own_part(tmp_path):
    text = (
        "MINISTRY OF DEFENCE\n\n3 March 2021\n\nDear Minister,\n\n" + BODY[0] + "\n\nYours sincerely,\n\n"
        "Anna Berg\nMinister of Defence\n\nEnclosure: Annex A\n\n\fANNEX A\n\n"
        "All forces will be withdrawn from the northern base by 1 May under this plan.\n"
    )
    result = check(tmp_path, text.encode(), "annex.txt")
    parts = {s.loc.part for s in result.letter.sentences if "withdrawn" in s.text}
    assert parts == {"annex"}
    assert result.fields["signature_block"]["name"] == "Anna Berg"
    assert "wording.policy-change" in rules(result)


@pytest.mark.parametrize(
    "value,ok",
    [
        ("a", False),
        ("Table Of Content", False),
        ("Table of Contents", False),
        ("1 Introduction", False),
        ("the exit code of the client program", False),
        ("Anna Berg", True),
        ("Ministry of Defence", True),
        ("HEADQUARTERS TASK FORCE IRAQ", True),
        ("Director of Consular Services", True),
    ],
)
def test_is_party(value, ok):
    assert is_party(value) is ok


def test_heading_is_never_the_issuer():
    doc = letter_from_text(
        "Table Of Content\n\n1 Introduction\n\n2 Installation\n\n"
        "This manual explains how to install and configure the program on a new system.\n"
    )
    assert doc.issuer.organization is None and doc.issuer.name is None
    assert doc.letterhead.organization == ()


def test_from_line_must_name_a_party():
    doc = letter_from_text("FROM: a\n\nThe exit code of the client program tells whether the copy succeeded.\n")
    assert doc.issuer.source != "from"


def test_date_source_field(tmp_path):
    from authcheck.engine.fields import letter_fields

    doc = letter_from_text("MINISTRY OF DEFENCE\n\n3 March 2021\n\nDear Minister,\n\n" + BODY[0] + "\n")
    assert letter_fields(doc)["date.source"].value == "date"
    doc = letter_from_text("We met on 3 March 2021 to discuss the maintenance contract for the depot.\n")
    assert letter_fields(doc)["date.source"].value == "body"


def test_author_mismatch_message_quotes_the_values_in_its_evidence(tmp_path):
    from tools.docgen import letter_docx

    spec = LetterSpec(
        letterhead=["MINISTRY OF FOREIGN AFFAIRS"],
        date="3 March 2021",
        blocks=BODY,
        closing="Sincerely,",
        signature_name="Maria Gonzalez",
        signature_titles=["Director"],
        signature="image",
        metadata={"author": "d.kovalenko", "last_modified_by": "p.ivanov"},
    )
    result = check(tmp_path, letter_docx(spec), "meta.docx")
    finding = next(f for f in result.findings if f.rule == "metadata.author-mismatch")
    texts = [e.text for e in finding.evidence]
    assert texts[0] == "d.kovalenko"
    assert "'d.kovalenko'" in finding.message and "p.ivanov" not in finding.message
    compared = finding.message.split("match '")[1].split("'")[0]
    assert compared in texts


@pytest.mark.parametrize("close", ["Best,", "Cordialement,", "For and on behalf of Northwind Logistics Ltd"])
def test_less_common_closings_start_the_block(close):
    doc = letter_from_text(
        "NORTHWIND LOGISTICS LTD\n\n3 March 2021\n\nDear Ms Park,\n\n" + BODY[0] + f"\n\n{close}\n\n"
        "Anna Berg\nOperations Director\n"
    )
    assert doc.signature_block.closing.text == close
    assert doc.signature_block.name.text == "Anna Berg"


def test_lone_thank_you_at_the_end_of_slides_is_not_a_closing():
    doc = letter_from_text(
        "Quarterly Results\n\nRevenue grew by four percent in the third quarter of the year.\n\nThank you\n"
    )
    assert doc.signature_block.closing is None
    assert doc.signature.signed is None


@pytest.mark.parametrize("count", [2, 3])
def test_signatories_in_a_word_table_each_under_a_close(tmp_path, count):
    from tools.closings import table_docx

    people = [
        ("Anna Berg", "Minister of Defence"),
        ("Peter Holm", "Minister of Finance"),
        ("Karin Lund", "Minister of Justice"),
    ][:count]
    fields = check(tmp_path, table_docx(BODY, people), "table-signed.docx").fields
    assert fields["signature"]["signed"] is True
    assert fields["issuer"]["name"] == "Anna Berg"
    assert fields["signature_block"]["closing"] == "Yours sincerely,"


@pytest.mark.parametrize(
    "text,marked",
    [
        ("1 See the agreement of 2019.", True),
        ("[2] Ibid.", True),
        ("* Estimate.", True),
        ("3rd Battalion, 7th Marines", False),
        ("Page 1 of 2", False),
    ],
)
def test_footnote_marker(text, marked):
    from authcheck.loaders.pdflayout import FOOTNOTE_MARK

    assert bool(FOOTNOTE_MARK.match(text)) is marked


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_drawn_signature_then_cc_line_only(tmp_path, fmt):
    spec = letter([("image", "", SIG_X), ("gap", "1", 0), ("text", "cc: Regional Office", LEFT)])
    result = check(tmp_path, closing_pdf(spec) if fmt == "pdf" else closing_docx(spec), f"cc.{fmt}")
    assert result.fields["signature"]["signed"] is True
    assert result.fields["signature_block"]["name"] is None
    trailer = [s.text for s in result.letter.sentences if s.loc.part == "trailer"]
    assert trailer == ["cc: Regional Office"]


def test_signature_block_above_a_long_distribution_list():
    units = "\n".join(f"Unit {k}, Regional Office" for k in range(1, 121))
    doc = letter_from_text(
        "HEADQUARTERS, 3RD SUSTAINMENT BRIGADE\n\n3 March 2021\n\nMEMORANDUM FOR SEE DISTRIBUTION\n\n"
        "SUBJECT: Maintenance schedule\n\n1. " + BODY[1] + "\n\nJOHN A. SMITH\nColonel, U.S. Army\n"
        "Commanding\n\nDISTRIBUTION:\n" + units + "\n"
    )
    assert doc.signature_block.name.text == "JOHN A. SMITH"
    assert [t.text for t in doc.signature_block.titles] == ["Colonel, U.S. Army", "Commanding"]
