"""Every forensic fact a rule can name (as `facts.<key>`), with what it means.  Data only."""

from __future__ import annotations

from authcheck.forensics.docxkeys import DOCX_KEYS
from authcheck.forensics.imagekeys import IMAGE_KEYS
from authcheck.forensics.pdfkeys import PDF_KEYS

KEYS: dict[str, str] = {**PDF_KEYS, **DOCX_KEYS, **IMAGE_KEYS}
