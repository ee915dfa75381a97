"""The rule engine: YAML rule packs compiled once, the fields rules address, check kinds, and evaluation."""
