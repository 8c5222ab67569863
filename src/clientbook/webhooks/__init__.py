"""Webhooks: a store's endpoints, events written with the change that causes them, and
their signed delivery by the background sender."""
