"""A customer's own sign-in: credentials, tokens, activation."""
