"""Customers: the store's customer book (canonical API, service and queries)."""
