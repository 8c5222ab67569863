"""Jethings (seed 001): ``/customers``, price lists and bulk removal, for store staff."""
