"""Open Loyalty (seed 002): the customer API under ``/api``, its sign-in and its errors."""
