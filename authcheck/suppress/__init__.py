"""Findings a project has accepted: baselines, the ignore file, and the fingerprints both match on."""
