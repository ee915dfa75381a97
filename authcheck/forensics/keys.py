"""Every forensic fact a rule can name (as `facts.<key>`), with what it means.  Data only."""

from __future__ import annotations

PDF_KEYS: dict[str, str] = {}
DOCX_KEYS: dict[str, str] = {}
KEYS: dict[str, str] = {**PDF_KEYS, **DOCX_KEYS}
