"""E-mail and SMS: the outbox written in the caller's transaction, its templates, and the
background sender that delivers it."""
