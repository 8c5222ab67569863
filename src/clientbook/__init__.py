"""Clientbook: each store's customer book, served over HTTP."""

__version__ = "0.1.0"
