"""Forensic facts about PDF files (keys and meanings).  Data only; filled in by forensics/pdffacts.py."""

PDF_KEYS: dict[str, str] = {
    # structure and revisions (pdfrevisions, pdfdiff)
    "pdf_revisions": "number of saved revisions along the startxref -> /Prev chain (1 = never updated; linearization not counted)",
    "pdf_linearized": "the first object is a /Linearized dictionary (fast web view); its two xref sections are one save",
    "pdf_structure_problems": "cross-reference chain problems: loops, offsets outside the file or off their section, no startxref",
    "pdf_trailing_bytes": "number of non-blank bytes after the last revision's %%EOF",
    "pdf_exiftool_updates": "number of revisions written by ExifTool (%BeginExifToolUpdate blocks): metadata edited by hand",
    "pdf_revision_changes": "kinds of change made by later revisions: text, pages, graphics, annotations, form, info, signature, dss, unreadable",
    "pdf_text_changes": "text lines added (+) or removed (-) by a later revision, as 'revision N: + line'",
    "pdf_pages_changed": "page-count changes made by a later revision, as 'revision N: a -> b page(s)'",
    "pdf_annotations_changed": "annotations added or removed by a later revision (widgets and popups left out)",
    "pdf_info_rewritten": "/Info entries changed by a later revision, old -> new (/ModDate and producer suffixes left out)",
    # signatures (pdfsigs, pdfsignals)
    "pdf_signature_fields": "one line per /FT /Sig field: empty or signed, /Name, /M, /SubFilter, bytes covered",
    "pdf_signer": "name of the first digital signer: certificate common name (CAC form reordered), else the /Name entry",
    "pdf_signers": "names of every digital signer",
    "pdf_signer_source": "where pdf_signer came from: 'certificate' or 'name-entry'",
    "pdf_signature_problems": "byte-range inconsistencies: not starting at 0, overlapping, beyond the file, gap not the /Contents string",
    "pdf_signature_coverage": "whole-file | later-signatures (only other signatures/DSS follow) | partial | invalid",
    "pdf_bytes_after_signature": "number of bytes after the end of the last (newest) signature's signed range: signed by nobody",
    "pdf_changes_after_signing": "kinds of change after a signature: text, pages, graphics, annotations, form, info, signature, dss, appended-bytes, other-update",
    "pdf_signature_placeholder": "filled signature fields whose /Contents holds no data (all zeros): it only looks signed",
    "pdf_signature_validation": "'done' (pyHanko ran), 'failed', or 'not-done (install authcheck[signatures])'",
    "pdf_signature_integrity": "pyHanko: worst integrity over the signatures: intact | broken | unreadable",
    "pdf_signature_modification": "pyHanko: worst modification level after signing: none | lta_updates | form_filling | annotations | other",
    "pdf_signature_coverage_level": "pyHanko: coverage of the first signature: entire_file | entire_revision | contiguous_block_from_start | unclear",
    "pdf_signature_docmdp_ok": "pyHanko: false when changes after signing break the DocMDP/approval rules (set only when false)",
    "pdf_signature_trust": "trusted | untrusted (against roots in AUTHCHECK_TRUST_ROOTS) | not-checked (no roots supplied)",
    # metadata (pdfmeta)
    "pdf_info_xmp_mismatch": "Info and XMP disagree on producer, creator tool, title, author or dates (time zones allowed for)",
    "pdf_producer_kind": "kind of the most telling producing tool: online-editor, pdf-editor, image-editor, library, scanner, converter, office, unknown",
    "pdf_producer_unusual": "a producer/creator rarely used for official letters (online or PDF editor, image editor, library), with its kind",
    "pdf_reproduction": "the file is a copy whose metadata describes the last hop: 'scanner: ...', 'converter: ...' or 'image-only'",
    "pdf_version_mismatch": "the header version and the catalog /Version differ ('header 1.3, catalog /Version 1.7')",
    # content (pdfcontent)
    "pdf_hidden_text": "text nobody sees, as 'kind: text' with kind invisible (Tr 3/7), white, tiny (<1 pt) or off-page; OCR pages left out",
    "pdf_ocr_layer": "number of pages with invisible text over a page image (a scanner's OCR layer; normal)",
    "pdf_hidden_annotations": "annotations with text that are flagged hidden/no-view or lie outside the page",
    "pdf_form_text": "filled form-field values that are not in the extracted page text, as 'name = value'",
    "pdf_active_content": "JavaScript, /OpenAction and /AA actions, launch/submit/import actions, embedded files, XFA, rich media",
    "pdf_forensics_incomplete": "parts of the forensic examination that failed or were cut short by limits",
}
