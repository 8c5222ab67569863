"""The audit trail of changes to customers."""
