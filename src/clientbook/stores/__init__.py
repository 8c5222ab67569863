"""Stores, their staff memberships, and the per-request store scope."""
