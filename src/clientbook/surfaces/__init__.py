"""Compatibility surfaces: one package per seed system, each a thin translation over the
same services as the canonical API."""
