"""Duplicate customers: candidates with a score and reasons, whole-store scans, merges."""
