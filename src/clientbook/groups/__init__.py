"""Customer groups and their members."""
