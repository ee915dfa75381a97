"""Regenerate the EXAMPLE exemplar letters in examples/exemplars/nordmark-pm/ (byte-identical on every run).

Run from the repository root: `python samples/registry/make_exemplars.py`.  Three routine letters of
the fictional Office of the Prime Minister of Nordmark, in the same form as the demo notification
(letterhead, "3 March 2021" dates, "Yours sincerely," and the office's one pasted signature image),
so `authcheck check --registry samples/registry/example-registry.yaml samples/` has known-genuine
standards to compare the Nordmark letters with.  All of it is invented.  They live outside samples/
so that checking the samples folder does not check them too.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent))

from make_samples import deployment_notification  # noqa: E402
from tools.docgen import letter_pdf  # noqa: E402

LETTERS = [
    ("pmo-2020-041.pdf", "14 September 2020", "PMO/2020/041", "Annual report on the civil service",
     "I have the honour to transmit to the National Assembly the annual report on the state of the civil "
     "service for 2019, as required by section 12 of the Civil Service Act."),
    ("pmo-2020-077.pdf", "2 November 2020", "PMO/2020/077", "Appointment of the Ombudsman",
     "I have the honour to inform the National Assembly that the Government proposes the reappointment of "
     "the Parliamentary Ombudsman for a further term of four years."),
    ("pmo-2021-012.pdf", "25 January 2021", "PMO/2021/012", "Schedule of government statements",
     "I have the honour to propose the following schedule of government statements for the spring session, "
     "in agreement with the leaders of the parliamentary groups."),
]


def main() -> None:
    folder = HERE.parent.parent / "examples" / "exemplars" / "nordmark-pm"
    folder.mkdir(parents=True, exist_ok=True)
    for name, day, ref, subject, text in LETTERS:
        spec = deployment_notification("image")
        spec.date = day
        spec.blocks = [f"Our ref: {ref}", "To: The Speaker of the National Assembly of the Republic of Nordmark",
                       f"SUBJECT: {subject}", "Madam Speaker,", text]
        (folder / name).write_bytes(letter_pdf(spec))


if __name__ == "__main__":
    main()
