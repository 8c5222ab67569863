"""A customer's postal addresses."""
