"""Developer tools for authcheck: a deterministic generator of test and demo letters.

`tools.docgen` is the entry point (LetterSpec, letter_pdf, letter_docx, letter_text);
`tools.pdfgen` and `tools.docxgen` are the low-level PDF and DOCX writers.
"""
