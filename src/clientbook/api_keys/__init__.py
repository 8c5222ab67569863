"""API keys: named, revocable secrets that act as a staff role inside one store."""
