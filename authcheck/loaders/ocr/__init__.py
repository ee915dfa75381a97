"""OCR: page images read by an engine in a helper process, word spacing, ink regions (signatures, stamps)."""
