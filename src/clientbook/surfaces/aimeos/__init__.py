"""Aimeos' JSON:API customer resource (``/jsonapi``, seed 003)."""
