"""Findings into a verdict: scores per axis, what to verify next, where evidence sits on the page."""
