"""JSON Schemas for authcheck output (data only)."""
