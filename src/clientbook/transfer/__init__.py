"""Bulk import and export of a store's customers (CSV and JSON Lines)."""
