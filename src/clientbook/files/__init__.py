"""Files attached to customers: uploads checked by content, kept in the configured storage."""
