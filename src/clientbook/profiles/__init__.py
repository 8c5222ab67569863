"""Typed customer profiles: a registry of kinds (scent, preferences), each with its schema."""
