"""Machinery shared by every domain: database, errors, pagination, HTTP helpers."""
