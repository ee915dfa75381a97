"""Forensic facts about PDF files (keys and meanings).  Data only; filled in by forensics/pdf.py."""

PDF_KEYS: dict[str, str] = {}
