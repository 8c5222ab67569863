"""Running Clientbook on a distributed PostgreSQL (Citus)."""
