"""Staff accounts: users, sign-in, access and refresh tokens, login throttling."""
