"""Small tools every stage may use: safe terminal text, capped reads of small files, atomic writes, globs."""
