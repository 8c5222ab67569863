"""MOOD MNKY (seed 004): the customer self-service API at ``/api/customers/...``."""
