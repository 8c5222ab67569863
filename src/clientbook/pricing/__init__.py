"""Price lists, and the default price list of a customer."""
