"""Forensic facts about DOCX files (keys and meanings).  Data only; filled in by forensics/docx.py."""

DOCX_KEYS: dict[str, str] = {}
